//! Purpose: Slack's side of Socket Mode, on loopback. `apps.connections.open` (with the
//! app-level token) hands out a `ws://` URL to this hub; each connection gets Slack's
//! `hello`; [`SocketHub::deliver`] sends an envelope to one connection and waits for its
//! acknowledgement, as Slack does. No acknowledgement means Slack would deliver again,
//! which tests reproduce by calling `deliver` a second time with the same payload.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// The app-level token (`xapp-…`) the sandbox accepts for `apps.connections.open`.
pub const SANDBOX_APP_TOKEN: &str = "xapp-1-sandbox-0000-token";

#[derive(Default)]
struct Hub {
    /// Open connections, in the order they connected.
    connections: Vec<(u64, mpsc::UnboundedSender<String>)>,
    /// Envelopes sent and not yet acknowledged.
    waiting: HashMap<String, oneshot::Sender<Value>>,
    next_connection: u64,
    next_envelope: u64,
    /// Which connection the next envelope goes to (Slack spreads them).
    turn: usize,
}

/// The Socket Mode endpoint of one sandbox. Cheap to clone.
#[derive(Clone)]
pub struct SocketHub {
    addr: SocketAddr,
    hub: Arc<Mutex<Hub>>,
}

impl SocketHub {
    /// Listens on a free loopback port.
    pub async fn start() -> std::io::Result<(Self, tokio::task::JoinHandle<()>)> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let hub = SocketHub {
            addr: listener.local_addr()?,
            hub: Arc::default(),
        };
        let accepting = hub.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let hub = accepting.clone();
                tokio::spawn(async move {
                    if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                        hub.serve(socket).await;
                    }
                });
            }
        });
        Ok((hub, task))
    }

    /// The URL `apps.connections.open` returns.
    pub fn url(&self) -> String {
        format!("ws://{}/link/", self.addr)
    }

    /// How many clients are connected now.
    pub fn connections(&self) -> usize {
        self.hub.lock().expect("hub lock").connections.len()
    }

    /// Waits until at least one client is connected (the bot connects at start-up).
    pub async fn wait_for_connection(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while self.connections() == 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Sends an envelope of `kind` (`events_api`, `slash_commands`, `interactive`) with
    /// `payload` to one connection and returns its acknowledgement, or `None` when none
    /// came within `within` (Slack then delivers it again).
    pub async fn deliver(&self, kind: &str, payload: Value, within: Duration) -> Option<Value> {
        let (ack_tx, ack_rx) = oneshot::channel();
        {
            let mut hub = self.hub.lock().expect("hub lock");
            if hub.connections.is_empty() {
                return None;
            }
            hub.next_envelope += 1;
            let envelope_id = format!("env-{:06}", hub.next_envelope);
            hub.waiting.insert(envelope_id.clone(), ack_tx);
            let frame = json!({
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            })
            .to_string();
            let index = hub.turn % hub.connections.len();
            hub.turn += 1;
            let _ = hub.connections[index].1.send(frame);
        }
        tokio::time::timeout(within, ack_rx).await.ok()?.ok()
    }

    /// One connection: `hello` first, then envelopes out and acknowledgements in.
    async fn serve(&self, socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) {
        let (mut sink, mut incoming) = socket.split();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<String>();
        let id = {
            let mut hub = self.hub.lock().expect("hub lock");
            hub.next_connection += 1;
            let id = hub.next_connection;
            hub.connections.push((id, out_tx));
            id
        };
        let hello = json!({
            "type": "hello",
            "num_connections": self.connections(),
            "debug_info": { "host": "sandbox", "approximate_connection_time": 18060 },
            "connection_info": { "app_id": "A0SANDBOX" },
        });
        if sink.send(Message::text(hello.to_string())).await.is_ok() {
            loop {
                tokio::select! {
                    out = out_rx.recv() => match out {
                        Some(frame) => if sink.send(Message::text(frame)).await.is_err() { break },
                        None => break,
                    },
                    frame = incoming.next() => match frame {
                        Some(Ok(Message::Text(text))) => self.acknowledge(&text),
                        Some(Ok(Message::Ping(data))) => {
                            if sink.send(Message::Pong(data)).await.is_err() { break }
                        }
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                        Some(Ok(_)) => {}
                    },
                }
            }
        }
        let mut hub = self.hub.lock().expect("hub lock");
        hub.connections.retain(|(other, _)| *other != id);
    }

    fn acknowledge(&self, text: &str) {
        let Ok(ack) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let Some(envelope_id) = ack["envelope_id"].as_str() else {
            return;
        };
        if let Some(waiter) = self
            .hub
            .lock()
            .expect("hub lock")
            .waiting
            .remove(envelope_id)
        {
            let _ = waiter.send(ack);
        }
    }
}
