//! Purpose: every outgoing Slack Web API call goes through [`SlackApi`].
//!
//! Each call's failure is classified once, here, into what the caller should do:
//! wait for `Retry-After` (429), retry with backoff (5xx, network, Slack's own
//! transient errors), or give up and tell whoever asked (`ok:false` with a
//! permanent error such as `channel_not_found`).
//!
//! slack-morphism's in-process rate control is deliberately left off: a 429 must
//! reschedule the durable job (so several replicas and restarts all honour it)
//! rather than hold a worker asleep.

pub mod blocks;
pub mod forms;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::clock::Clock;
use crate::domain::UserInfo;
use crate::metrics::{ApiCallLabels, MethodLabels, Metrics};

/// Why a Slack call did not succeed, sorted by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackCallError {
    /// HTTP 429: try again no sooner than `retry_after`.
    #[error("Slack rate-limited {method}; retry after {retry_after:?}")]
    RateLimited {
        method: &'static str,
        retry_after: Duration,
    },
    /// 5xx, a network failure, or Slack saying it is having trouble: retry with backoff.
    #[error("Slack was unavailable for {method}: {detail}")]
    Unavailable {
        method: &'static str,
        detail: String,
    },
    /// `ok:false` with an error that retrying will not fix.
    #[error("Slack rejected {method}: {code}")]
    Rejected { method: &'static str, code: String },
}

impl SlackCallError {
    /// The error code when Slack refused the token itself: no retry can fix it, only a
    /// different token.
    pub fn refused_token(&self) -> Option<&str> {
        match self {
            SlackCallError::Rejected { code, .. } if TOKEN_REFUSED.contains(&code.as_str()) => {
                Some(code)
            }
            _ => None,
        }
    }

    /// The error code when Slack refused the token because it is gone for good (revoked,
    /// expired, its account or workspace disabled): an installed workspace was lost.
    /// `not_authed` (no token was sent) is a fault on this side, not the workspace's.
    pub fn token_gone(&self) -> Option<&str> {
        self.refused_token().filter(|code| *code != "not_authed")
    }
}

/// The error of a call made with no token at all: outside any workspace's scope when no
/// SLACK_BOT_TOKEN is configured.
pub const NO_WORKSPACE_TOKEN: &str = "no_workspace_token";

/// Slack error codes that mean the token is wrong, revoked or its workspace gone.
const TOKEN_REFUSED: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "team_disabled",
];

/// Whom the bot token belongs to, as `auth.test` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub team: String,
    pub team_id: String,
    pub bot_user_id: String,
    pub bot_name: Option<String>,
}

/// A workspace that just installed debrief, as `oauth.v2.access` describes it.
#[derive(Clone)]
pub struct Installation {
    pub team_id: String,
    pub team_name: String,
    pub bot_user_id: String,
    pub bot_token: String,
    /// Who pressed "Allow": they get the welcome message.
    pub installer: String,
}

impl std::fmt::Debug for Installation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installation")
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("bot_user_id", &self.bot_user_id)
            .field("installer", &self.installer)
            .finish_non_exhaustive()
    }
}

/// Slack error codes that mean "try again later", not "this will never work".
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "team_added_to_org",
];

/// How long `views.open` may take: Slack's trigger lives 3 s, and the person who pressed
/// or typed must still get an answer in words inside that window when Slack is slow.
const TRIGGER_DEADLINE: Duration = Duration::from_millis(2_000);

/// Unavailable answers in a row after which the client counts as failing.
const FAILING_AFTER: u32 = 5;

/// Without a Retry-After header, wait this long after a 429.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The Web API client with the bot token; cheap to clone.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackHyperClient>,
    /// SLACK_BOT_TOKEN, for calls made outside any workspace's scope; `None` when every
    /// workspace installed through OAuth (see [`crate::workspace`]).
    default_token: Option<SlackApiToken>,
    metrics: Arc<Metrics>,
    /// False for calls made on behalf of an anonymous action: they are neither counted
    /// nor logged, since the moment of the call would be the moment someone wrote.
    metered: bool,
    clock: Arc<dyn Clock>,
    /// The longest any one call may take; past it, the call counts as failed and retryable.
    timeout: Duration,
    /// Calls in a row that found Slack unavailable (5xx, network, timeout); `/healthz`
    /// reports the service degraded past a handful.
    unavailable_in_a_row: Arc<std::sync::atomic::AtomicU32>,
    /// After a 429, calls of that method (per channel for chat.postMessage) are held
    /// until Retry-After has passed, instead of each queued job asking Slack again.
    cooldowns: Arc<Mutex<HashMap<String, Timestamp>>>,
}

/// Builds a Slack client for `api_url`. It speaks both https (Slack) and plain http,
/// so tests and `debrief demo` can point it at the loopback sandbox.
fn build_client(api_url: &str) -> anyhow::Result<SlackHyperClient> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| {
            anyhow::anyhow!("no TLS root certificates found (install ca-certificates): {e}")
        })?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    Ok(SlackClient::new(
        SlackClientHyperConnector::with_connector(connector).with_slack_api_url(api_url),
    ))
}

impl SlackApi {
    pub fn new(
        api_url: &str,
        bot_token: Option<&str>,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            client: Arc::new(build_client(api_url)?),
            default_token: bot_token.map(|t| SlackApiToken::new(t.into())),
            metrics,
            clock,
            cooldowns: Arc::default(),
            metered: true,
            timeout,
            unavailable_in_a_row: Arc::default(),
        })
    }

    /// The underlying client, for Socket Mode which needs its own listener.
    pub fn client(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    /// The token for this call: the acting workspace's, else the configured one. Never
    /// another workspace's: without either the call is refused before it leaves.
    fn token(&self) -> Result<SlackApiToken, SlackCallError> {
        match crate::workspace::acting() {
            Some(acting) => Ok(acting.token),
            None => self.default_token.clone().ok_or(SlackCallError::Rejected {
                method: "any",
                code: NO_WORKSPACE_TOKEN.into(),
            }),
        }
    }

    /// Makes one call within the configured timeout; see [`SlackApi::call_within`].
    async fn call<T>(
        &self,
        method: &'static str,
        scope: Option<&str>,
        request: impl Future<Output = ClientResult<T>>,
    ) -> Result<T, SlackCallError> {
        self.call_within(self.timeout, method, scope, request).await
    }

    /// Makes one call: held back while the method is cooling down after a 429, given up
    /// (as retryable) after `timeout`, then classified, counted, and a new 429 starts a
    /// cooldown. A call that was given up may still have reached Slack: callers that must
    /// not repeat a message use `crate::outbox`.
    async fn call_within<T>(
        &self,
        timeout: Duration,
        method: &'static str,
        scope: Option<&str>,
        request: impl Future<Output = ClientResult<T>>,
    ) -> Result<T, SlackCallError> {
        // Slack's rate limits are per workspace, so one workspace's 429 holds only its calls.
        let team = crate::workspace::acting_team_id().unwrap_or_default();
        let key = match scope {
            Some(scope) => format!("{team}:{method}:{scope}"),
            None => format!("{team}:{method}"),
        };
        let now = self.clock.now();
        let held_until = self
            .cooldowns
            .lock()
            .expect("cooldown lock")
            .get(&key)
            .copied();
        if let Some(until) = held_until.filter(|until| *until > now) {
            self.count(method, "held");
            let wait = until.duration_since(now).unsigned_abs();
            return Err(SlackCallError::RateLimited {
                method,
                retry_after: Duration::from_secs(wait.as_secs().max(1)),
            });
        }
        let classified = match tokio::time::timeout(timeout, request).await {
            Ok(answer) => answer.map_err(|err| classify(method, err)),
            Err(_) => Err(SlackCallError::Unavailable {
                method,
                detail: format!("no answer within {} ms", timeout.as_millis()),
            }),
        };
        use std::sync::atomic::Ordering::Relaxed;
        match &classified {
            Err(SlackCallError::Unavailable { .. }) => {
                self.unavailable_in_a_row.fetch_add(1, Relaxed);
            }
            _ => self.unavailable_in_a_row.store(0, Relaxed),
        }
        let outcome = match &classified {
            Ok(_) => "ok",
            Err(SlackCallError::RateLimited { retry_after, .. }) => {
                let until = crate::clock::after(now, *retry_after);
                self.cooldowns
                    .lock()
                    .expect("cooldown lock")
                    .insert(key, until);
                "rate_limited"
            }
            Err(SlackCallError::Unavailable { .. }) => "unavailable",
            Err(SlackCallError::Rejected { .. }) => "rejected",
        };
        self.count(method, outcome);
        if let Err(err) = &classified
            && self.metered
        {
            tracing::warn!(%err, "slack call failed");
        }
        classified
    }

    /// Whether Slack has been unavailable for the last several calls in a row.
    pub fn failing(&self) -> bool {
        self.unavailable_in_a_row
            .load(std::sync::atomic::Ordering::Relaxed)
            >= FAILING_AFTER
    }

    /// The same client for calls made on behalf of an anonymous action (the survey form
    /// opening, an observation's acknowledgement): it counts no metric and logs nothing,
    /// so an operator's dashboards and logs hold no trace of when someone wrote.
    pub fn unmetered(&self) -> SlackApi {
        SlackApi {
            metered: false,
            ..self.clone()
        }
    }

    fn count(&self, method: &'static str, outcome: &'static str) {
        if !self.metered {
            return;
        }
        self.metrics
            .slack_api_calls
            .get_or_create(&ApiCallLabels { method, outcome })
            .inc();
        // A method's error series exists at 0 from its first call, so that `increase()`
        // sees its first error.
        let errors = self
            .metrics
            .slack_api_errors
            .get_or_create(&MethodLabels { method });
        if outcome != "ok" {
            errors.inc();
        }
    }

    /// `auth.test`: the bot's own user id.
    pub async fn bot_user_id(&self) -> Result<String, SlackCallError> {
        Ok(self.identify(self.timeout).await?.bot_user_id)
    }

    /// `auth.test`, within `within`: whom the token belongs to.
    pub async fn identify(&self, within: Duration) -> Result<BotIdentity, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let response = self
            .call_within(within, "auth.test", None, session.auth_test())
            .await?;
        Ok(BotIdentity {
            team: response.team,
            team_id: response.team_id.to_string(),
            bot_user_id: response.user_id.to_string(),
            bot_name: response.user,
        })
    }

    /// `oauth.v2.access`: exchanges the code Slack gave the installer's browser for the new
    /// workspace's bot token. Authenticated with the app's client id and secret (HTTP
    /// Basic), not with a bot token.
    pub async fn exchange_oauth_code(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<Installation, SlackCallError> {
        let redirect_uri = redirect_uri
            .map(|uri| uri.parse::<url::Url>())
            .transpose()
            .map_err(|_| SlackCallError::Rejected {
                method: "oauth.v2.access",
                code: "bad_redirect_uri".into(),
            })?;
        let request = SlackOAuthV2AccessTokenRequest::new(
            client_id.into(),
            client_secret.into(),
            code.to_string().into(),
        )
        .opt_redirect_uri(redirect_uri);
        let response = self
            .call("oauth.v2.access", None, self.client.oauth2_access(&request))
            .await?;
        let bot_user_id = response.bot_user_id.ok_or(SlackCallError::Rejected {
            method: "oauth.v2.access",
            code: "no_bot_user".into(),
        })?;
        Ok(Installation {
            team_id: response.team.id.to_string(),
            team_name: response.team.name.unwrap_or_default(),
            bot_user_id: bot_user_id.to_string(),
            bot_token: response.access_token.value().clone(),
            installer: response.authed_user.id.to_string(),
        })
    }

    /// `chat.postMessage`; returns the message `ts`.
    pub async fn post_message(
        &self,
        channel: &str,
        content: SlackMessageContent,
        thread_ts: Option<&str>,
    ) -> Result<String, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatPostMessageRequest::new(channel.into(), content)
            .opt_thread_ts(thread_ts.map(|ts| ts.into()));
        let response = self
            .call(
                "chat.postMessage",
                Some(channel),
                session.chat_post_message(&request),
            )
            .await?;
        Ok(response.ts.to_string())
    }

    /// `chat.postEphemeral`: visible to `user` only.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        content: SlackMessageContent,
        thread_ts: Option<&str>,
    ) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatPostEphemeralRequest::new(channel.into(), user.into(), content)
            .opt_thread_ts(thread_ts.map(|ts| ts.into()));
        self.call(
            "chat.postEphemeral",
            None,
            session.chat_post_ephemeral(&request),
        )
        .await?;
        Ok(())
    }

    /// `chat.update`: replaces a message the bot posted.
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatUpdateRequest::new(channel.into(), content, ts.into());
        self.call("chat.update", None, session.chat_update(&request))
            .await?;
        Ok(())
    }

    /// `chat.getPermalink`: a link that opens a message (a thread's parent opens the thread).
    pub async fn permalink(&self, channel: &str, ts: &str) -> Result<String, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatGetPermalinkRequest::new(channel.into(), ts.into());
        let response = self
            .call(
                "chat.getPermalink",
                None,
                session.chat_get_permalink(&request),
            )
            .await?;
        Ok(response.permalink.to_string())
    }

    /// `conversations.open`: the DM channel with one user.
    pub async fn open_dm(&self, user: &str) -> Result<String, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiConversationsOpenRequest::new().with_users(vec![user.into()]);
        let response = self
            .call(
                "conversations.open",
                None,
                session.conversations_open(&request),
            )
            .await?;
        Ok(response.channel.id.to_string())
    }

    /// `conversations.info`, given up after `within`: whether debrief is a member of
    /// `channel` and it is not archived, so that a later `chat.postMessage` there can work
    /// (the bot token's `chat:write` only posts where the bot is a member). A private
    /// channel debrief is not in answers `channel_not_found`.
    pub async fn can_post_in(
        &self,
        channel: &str,
        within: Duration,
    ) -> Result<bool, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiConversationsInfoRequest::new(channel.into());
        let info = self
            .call_within(
                within,
                "conversations.info",
                None,
                session.conversations_info(&request),
            )
            .await?;
        let flags = info.channel.flags;
        Ok(flags.is_member.unwrap_or(false) && !flags.is_archived.unwrap_or(false))
    }

    /// One page of `conversations.members`: the members and the next page's cursor, if
    /// any. Paging callers keep the cursor, so a rate limit costs one page, not all.
    pub async fn channel_members_page(
        &self,
        channel: &str,
        cursor: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiConversationsMembersRequest::new()
            .with_channel(channel.into())
            .with_limit(200)
            .opt_cursor(cursor.map(|c| SlackCursorId::new(c.into())));
        let page = self
            .call(
                "conversations.members",
                None,
                session.conversations_members(&request),
            )
            .await?;
        let next = page
            .response_metadata
            .and_then(|meta| meta.next_cursor)
            .map(|c| c.to_string())
            .filter(|c| !c.is_empty());
        Ok((page.members.iter().map(|m| m.to_string()).collect(), next))
    }

    /// Looks for a message the bot posted with `marker` as its first block's id: in a
    /// thread (`conversations.replies`) or, without one, in the channel's history after
    /// `oldest` (`conversations.history`). Returns its ts. At most ten pages are read: a
    /// retry looks for a message posted moments before, never far back.
    pub async fn find_marked(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        marker: &str,
        oldest: Option<i64>,
    ) -> Result<Option<String>, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let mut cursor: Option<SlackCursorId> = None;
        for _ in 0..10 {
            let (messages, next) = match thread_ts {
                Some(thread) => {
                    let request =
                        SlackApiConversationsRepliesRequest::new(channel.into(), thread.into())
                            .with_limit(200)
                            .opt_cursor(cursor.clone());
                    let page = self
                        .call(
                            "conversations.replies",
                            None,
                            session.conversations_replies(&request),
                        )
                        .await?;
                    (
                        page.messages,
                        page.response_metadata.and_then(|m| m.next_cursor),
                    )
                }
                None => {
                    let request = SlackApiConversationsHistoryRequest::new()
                        .with_channel(channel.into())
                        .with_limit(200)
                        .opt_oldest(oldest.map(|s| SlackTs::new(format!("{s}.000000"))))
                        .opt_cursor(cursor.clone());
                    let page = self
                        .call(
                            "conversations.history",
                            None,
                            session.conversations_history(&request),
                        )
                        .await?;
                    (
                        page.messages,
                        page.response_metadata.and_then(|m| m.next_cursor),
                    )
                }
            };
            let found = messages.iter().find(|m| {
                m.content
                    .blocks
                    .as_ref()
                    .and_then(|blocks| blocks.first())
                    .and_then(|block| serde_json::to_value(block).ok())
                    .is_some_and(|block| block["block_id"] == marker)
            });
            if let Some(message) = found {
                return Ok(Some(message.origin.ts.to_string()));
            }
            cursor = next.filter(|c| !c.value().is_empty());
            if cursor.is_none() {
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// `users.info`.
    pub async fn user_info(&self, user: &str) -> Result<UserInfo, SlackCallError> {
        let u = self.users_info(user).await?;
        let display = u
            .profile
            .as_ref()
            .and_then(|p| p.display_name.clone())
            .filter(|n| !n.is_empty());
        let name = display
            .or_else(|| u.real_name.clone().filter(|n| !n.is_empty()))
            .or_else(|| u.name.clone())
            .unwrap_or_else(|| u.id.to_string());
        Ok(UserInfo {
            id: u.id.to_string(),
            name,
            is_bot: u.flags.is_bot.unwrap_or(false),
            deleted: u.deleted.unwrap_or(false),
            tz: u.tz.clone().filter(|tz| !tz.is_empty()),
        })
    }

    /// `users.info`, asked now (never from the cache): whether `user` administers or owns
    /// the workspace, for actions only they and the facilitator may take.
    pub async fn is_workspace_admin(&self, user: &str) -> Result<bool, SlackCallError> {
        let flags = self.users_info(user).await?.flags;
        Ok(flags.is_admin.unwrap_or(false)
            || flags.is_owner.unwrap_or(false)
            || flags.is_primary_owner.unwrap_or(false))
    }

    async fn users_info(&self, user: &str) -> Result<SlackUser, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let response = self
            .call(
                "users.info",
                None,
                session.users_info(&SlackApiUsersInfoRequest::new(user.into())),
            )
            .await?;
        Ok(response.user)
    }

    /// `views.open`. Must be called within 3 s of receiving `trigger_id`, so never from a
    /// job, and given up early enough that the request can still be answered in words.
    pub async fn open_view(
        &self,
        trigger_id: &str,
        view: SlackView,
    ) -> Result<String, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        let response = self
            .call_within(
                TRIGGER_DEADLINE.min(self.timeout),
                "views.open",
                None,
                session.views_open(&request),
            )
            .await?;
        Ok(response.view.state_params.id.to_string())
    }

    /// `views.push`: a view on top of the modal whose button was pressed (closing it goes
    /// back to that modal). The same 3 s `trigger_id` rule as `views.open` applies.
    pub async fn push_view(
        &self,
        trigger_id: &str,
        view: SlackView,
    ) -> Result<String, SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiViewsPushRequest::new(trigger_id.into(), view);
        let response = self
            .call("views.push", None, session.views_push(&request))
            .await?;
        Ok(response.view.state_params.id.to_string())
    }

    /// `views.update` of an open view by id.
    pub async fn update_view(&self, view_id: &str, view: SlackView) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiViewsUpdateRequest::new(view).with_view_id(view_id.into());
        self.call("views.update", None, session.views_update(&request))
            .await?;
        Ok(())
    }

    /// `views.publish`: the user's App Home tab.
    pub async fn publish_home(&self, user: &str, view: SlackView) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiViewsPublishRequest::new(user.into(), view);
        self.call("views.publish", None, session.views_publish(&request))
            .await?;
        Ok(())
    }

    /// Replies privately through a slash command's or interaction's `response_url`
    /// (valid for 30 minutes and 5 uses; Slack shows such replies ephemerally by default).
    pub async fn respond(
        &self,
        response_url: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackCallError> {
        let url: url::Url = response_url.parse().map_err(|_| SlackCallError::Rejected {
            method: "response_url",
            code: "invalid_response_url".into(),
        })?;
        let request = SlackApiPostWebhookMessageRequest::new(content);
        let result = self
            .client
            .respond_to_event(&SlackResponseUrl::new(url), &request)
            .await;
        self.call("response_url", None, async { result }).await?;
        Ok(())
    }
}

impl SlackApi {
    /// `chat.delete` of a message the bot posted.
    pub async fn delete_message(&self, channel: &str, ts: &str) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request = SlackApiChatDeleteRequest::new(channel.into(), ts.into());
        self.call("chat.delete", None, session.chat_delete(&request))
            .await?;
        Ok(())
    }

    /// Shares a Markdown text file in `channel`.
    pub async fn upload_text_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        content: &str,
    ) -> Result<(), SlackCallError> {
        self.upload_file(
            channel,
            filename,
            title,
            content.as_bytes(),
            "text/markdown",
        )
        .await
    }

    /// Shares a file in `channel`: files.getUploadURLExternal, the upload itself, then
    /// files.completeUploadExternal.
    pub async fn upload_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        content: &[u8],
        mime: &str,
    ) -> Result<(), SlackCallError> {
        let token = self.token()?;
        let session = self.client.open_session(&token);
        let request =
            SlackApiFilesGetUploadUrlExternalRequest::new(filename.to_string(), content.len());
        let target = self
            .call(
                "files.getUploadURLExternal",
                None,
                session.get_upload_url_external(&request),
            )
            .await?;
        let upload =
            SlackApiFilesUploadViaUrlRequest::new(target.upload_url, content.to_vec(), mime.into());
        self.call("files.upload", None, session.files_upload_via_url(&upload))
            .await?;
        let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
            SlackApiFilesComplete::new(target.file_id).with_title(title.to_string()),
        ])
        .with_channel_id(channel.into());
        self.call(
            "files.completeUploadExternal",
            None,
            session.files_complete_upload_external(&complete),
        )
        .await?;
        Ok(())
    }

    /// Replaces the message an interaction came from, through its `response_url`.
    pub async fn respond_replacing(
        &self,
        response_url: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackCallError> {
        let url: url::Url = response_url.parse().map_err(|_| SlackCallError::Rejected {
            method: "response_url",
            code: "invalid_response_url".into(),
        })?;
        let request = SlackApiPostWebhookMessageRequest::new(content).with_replace_original(true);
        let result = self
            .client
            .respond_to_event(&SlackResponseUrl::new(url), &request)
            .await;
        self.call("response_url", None, async { result }).await?;
        Ok(())
    }
}

/// Maps slack-morphism's error into what the caller should do next.
pub fn classify(method: &'static str, err: SlackClientError) -> SlackCallError {
    match err {
        SlackClientError::RateLimitError(e) => SlackCallError::RateLimited {
            method,
            retry_after: e.retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        },
        SlackClientError::ApiError(e) if TRANSIENT_CODES.contains(&e.code.as_str()) => {
            SlackCallError::Unavailable {
                method,
                detail: e.code,
            }
        }
        SlackClientError::ApiError(e) => SlackCallError::Rejected {
            method,
            code: e.code,
        },
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            SlackCallError::Unavailable {
                method,
                detail: format!("HTTP {}", e.status_code.as_u16()),
            }
        }
        SlackClientError::HttpError(e) => SlackCallError::Rejected {
            method,
            code: format!("http_{}", e.status_code.as_u16()),
        },
        other => SlackCallError::Unavailable {
            method,
            detail: other.to_string().chars().take(200).collect(),
        },
    }
}

/// The bot scopes the calls above need; manifest.yaml must ask for exactly these
/// (a test checks), so installing debrief never grants more than it uses.
pub const REQUIRED_BOT_SCOPES: &[&str] = &[
    // app_mention: "@debrief" in a channel answers with the short help
    "app_mentions:read",
    // message.channels: replies in check-in threads, participation counts
    "channels:history",
    // conversations.members of public channels (default participants)
    "channels:read",
    // chat.postMessage, chat.postEphemeral, chat.update, chat.delete
    "chat:write",
    // the /debrief slash command
    "commands",
    // the agenda as a Markdown file (files.getUploadURLExternal, files.completeUploadExternal)
    "files:write",
    // message.groups: the same in private channels
    "groups:history",
    // conversations.members of private channels
    "groups:read",
    // message.im: "observe …" sent to the bot by DM
    "im:history",
    // conversations.open for DMs (survey invitations, reminders, answers)
    "im:write",
    // users.info, to leave bots and deactivated accounts out of participants
    "users:read",
];
