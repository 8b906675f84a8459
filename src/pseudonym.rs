//! Purpose: the one secret behind anonymity: the keyed hash that links a survey
//! respondent to their own answers, the pseudonyms the facilitator sees, and the seal
//! that keeps anonymous content unreadable at rest.
//!
//! The key lives outside the database (DEBRIEF_PSEUDONYM_KEY, or a 0600 key file in the
//! user's configuration folder). The database stores only HMAC(key, review, user) and
//! sealed content: with the key the service can find a person's own answers to let them
//! edit, and read what it shows the facilitator; without it a copy of the database (its
//! pages, its write-ahead log, its backups) holds neither a link to anyone nor readable
//! text, so the order rows arrived in says nothing either. A fingerprint of the key (not
//! the key) is kept in the database so that starting with a different key is refused
//! instead of silently orphaning every answer.

use std::fmt;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::domain::ReviewId;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::PseudonymKeySource;

/// 32 secret bytes, with what every use derives from them prepared once: an observation
/// or answer is sealed on the request path, and deriving the content key there doubled
/// the seal's cost (a callgrind profile of `observe`: 28,000 instructions of its 300,000).
#[derive(Clone)]
pub struct PseudonymKey {
    bytes: [u8; 32],
    /// HMAC with this key, its pads already hashed: each MAC starts from a copy.
    keyed: Hmac<Sha256>,
    /// The cipher under the derived content key.
    sealer: XChaCha20Poly1305,
}

impl PartialEq for PseudonymKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PseudonymKey {}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey([redacted])")
    }
}

/// Colours and birds: 48 × 48 = 2,304 pseudonyms, plenty for one review.
const COLOURS: &[&str] = &[
    "Amber", "Azure", "Beige", "Bronze", "Cedar", "Cerise", "Cobalt", "Copper", "Coral", "Cream",
    "Crimson", "Cyan", "Denim", "Ebony", "Emerald", "Fern", "Flax", "Garnet", "Ginger", "Golden",
    "Granite", "Hazel", "Honey", "Indigo", "Ivory", "Jade", "Lemon", "Lilac", "Lime", "Magenta",
    "Maroon", "Mint", "Moss", "Ochre", "Olive", "Onyx", "Pearl", "Plum", "Quartz", "Rose", "Ruby",
    "Russet", "Sable", "Saffron", "Sage", "Slate", "Teal", "Umber",
];
const BIRDS: &[&str] = &[
    "Albatross",
    "Avocet",
    "Bittern",
    "Bunting",
    "Buzzard",
    "Chough",
    "Crane",
    "Curlew",
    "Dipper",
    "Dunlin",
    "Egret",
    "Eider",
    "Falcon",
    "Finch",
    "Fulmar",
    "Gannet",
    "Godwit",
    "Goldcrest",
    "Grebe",
    "Harrier",
    "Heron",
    "Hobby",
    "Ibis",
    "Jay",
    "Kestrel",
    "Kingfisher",
    "Kite",
    "Lapwing",
    "Linnet",
    "Magpie",
    "Martin",
    "Merlin",
    "Nightjar",
    "Nuthatch",
    "Osprey",
    "Owl",
    "Pipit",
    "Plover",
    "Puffin",
    "Redstart",
    "Robin",
    "Sandpiper",
    "Shrike",
    "Skylark",
    "Swift",
    "Tern",
    "Warbler",
    "Wren",
];

impl PseudonymKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let keyed = Hmac::<Sha256>::new_from_slice(&bytes).expect("HMAC takes a 32-byte key");
        // The content key is derived, so the HMAC key itself never keys a cipher.
        let content_key = mac_with(&keyed, &["content seal v1"]);
        let sealer = <XChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(&content_key.into());
        Self {
            bytes,
            keyed,
            sealer,
        }
    }

    /// Parses 64 hexadecimal characters.
    pub fn from_hex(hex_text: &str) -> anyhow::Result<Self> {
        let bytes = hex::decode(hex_text.trim()).context("the key is not hexadecimal")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the key must be 32 bytes (64 hexadecimal characters)"))?;
        Ok(Self::from_bytes(bytes))
    }

    /// A new random key.
    pub fn generate(rng: &mut impl rand::Rng) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        mac_with(&self.keyed, parts)
    }

    /// Identifies a respondent within one review. Without the key it identifies nobody.
    pub fn respondent_key(&self, review_id: ReviewId, user_id: &str) -> String {
        hex::encode(self.mac(&["respondent", &review_id.to_string(), user_id]))
    }

    /// The `attempt`-th pseudonym candidate for a respondent: stable within a review,
    /// unrelated across reviews (the review id is part of the hash input).
    pub fn pseudonym_candidate(&self, review_id: ReviewId, user_id: &str, attempt: u32) -> String {
        let h = self.mac(&[
            "pseudonym",
            &review_id.to_string(),
            user_id,
            &attempt.to_string(),
        ]);
        let colour = COLOURS[u16::from_be_bytes([h[0], h[1]]) as usize % COLOURS.len()];
        let bird = BIRDS[u16::from_be_bytes([h[2], h[3]]) as usize % BIRDS.len()];
        format!("Respondent {colour} {bird}")
    }

    /// A stand-in for `value` that can be recomputed only with the key: for rows that must
    /// refer to anonymous content (a release's outbox entry) without a join to it.
    pub fn opaque(&self, purpose: &str, value: &str) -> String {
        hex::encode(&self.mac(&["opaque", purpose, value])[..16])
    }

    /// Identifies the key without revealing it.
    pub fn fingerprint(&self) -> String {
        hex::encode(&self.mac(&["fingerprint v1"])[..12])
    }

    /// Seals anonymous content of one review (`what` says which kind, e.g. "response").
    /// The review and kind are authenticated, so a sealed value moved to another review or
    /// table does not open. A fresh random nonce per seal: the same text sealed twice looks
    /// different, so equal answers cannot be spotted either.
    pub fn seal(&self, review_id: ReviewId, what: &str, plaintext: &[u8]) -> Vec<u8> {
        self.seal_in(&sealing_context(review_id, what), plaintext)
    }

    /// Opens what [`PseudonymKey::seal`] sealed for the same review and kind.
    pub fn open(&self, review_id: ReviewId, what: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.open_in(&sealing_context(review_id, what), sealed)
            .ok_or_else(|| {
                anyhow::anyhow!("a sealed {what} of review {review_id} does not open with this key")
            })
    }

    /// Seals a workspace's bot token for the workspaces table: bound to its team, so a
    /// token row copied onto another workspace does not open.
    pub fn seal_token(&self, team_id: &str, token: &str) -> Vec<u8> {
        self.seal_in(&token_context(team_id), token.as_bytes())
    }

    /// Opens what [`PseudonymKey::seal_token`] sealed for the same team.
    pub fn open_token(&self, team_id: &str, sealed: &[u8]) -> anyhow::Result<String> {
        let bytes = self
            .open_in(&token_context(team_id), sealed)
            .ok_or_else(|| {
                anyhow::anyhow!("the bot token of {team_id} does not open with this key")
            })?;
        Ok(String::from_utf8(bytes)?)
    }

    fn seal_in(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let ciphertext = self
            .sealer
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("sealing a message in memory cannot fail");
        let mut sealed = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
        sealed.push(SEAL_VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// `None` when the value is malformed, was sealed for another context, or with another key.
    fn open_in(&self, context: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        let (version, rest) = sealed.split_first()?;
        if *version != SEAL_VERSION || rest.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().expect("split at the nonce length");
        self.sealer
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }
}

/// HMAC of `parts` from a keyed state.
fn mac_with(keyed: &Hmac<Sha256>, parts: &[&str]) -> [u8; 32] {
    let mut mac = keyed.clone();
    for part in parts {
        // Length-prefixed, so ("ab","c") and ("a","bc") never collide.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

/// First byte of every sealed value, so the format can change without guessing.
const SEAL_VERSION: u8 = 1;
/// XChaCha20's 192-bit nonce: random nonces never repeat in practice.
const NONCE_BYTES: usize = 24;

fn sealing_context(review_id: ReviewId, what: &str) -> String {
    format!("debrief seal v1|{what}|review {review_id}")
}

fn token_context(team_id: &str) -> String {
    format!("debrief seal v1|bot token|team {team_id}")
}

/// Loads the configured key, creating the key file (mode 0600) on first start.
pub fn load_or_create(source: &PseudonymKeySource) -> anyhow::Result<PseudonymKey> {
    match source {
        PseudonymKeySource::Inline(secret) => PseudonymKey::from_hex(secret.expose())
            .context("DEBRIEF_PSEUDONYM_KEY is not a valid key"),
        PseudonymKeySource::File(path) => load_or_create_file(path),
    }
}

/// Reads an existing key, never creating one: for the offline commands, where a new key
/// would open nothing.
pub fn load_existing(source: &PseudonymKeySource) -> anyhow::Result<PseudonymKey> {
    match source {
        PseudonymKeySource::File(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "DEBRIEF_PSEUDONYM_KEY_FILE: could not read {}",
                    path.display()
                )
            })?;
            key_from_file_text(path, &text)
        }
        inline => load_or_create(inline),
    }
}

fn key_from_file_text(path: &Path, text: &str) -> anyhow::Result<PseudonymKey> {
    PseudonymKey::from_hex(text).with_context(|| {
        format!(
            "DEBRIEF_PSEUDONYM_KEY_FILE: {} does not hold a valid key",
            path.display()
        )
    })
}

fn load_or_create_file(path: &Path) -> anyhow::Result<PseudonymKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => key_from_file_text(path, &text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
                create_private_folder(folder).with_context(|| {
                    format!(
                        "DEBRIEF_PSEUDONYM_KEY_FILE: could not create the folder {}",
                        folder.display()
                    )
                })?;
            }
            let key = PseudonymKey::generate(&mut rand::rng());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).with_context(|| {
                format!(
                    "DEBRIEF_PSEUDONYM_KEY_FILE: could not create {}",
                    path.display()
                )
            })?;
            writeln!(file, "{}", hex::encode(key.bytes))?;
            tracing::info!(path = %path.display(), "created a new pseudonym key file; back it up separately from the database");
            Ok(key)
        }
        Err(err) => Err(err).with_context(|| {
            format!(
                "DEBRIEF_PSEUDONYM_KEY_FILE: could not read {}",
                path.display()
            )
        }),
    }
}

/// Creates `folder` (and its parents) readable by the owner only, as a key's home should be.
fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PseudonymKey {
        PseudonymKey::from_bytes([byte; 32])
    }

    #[test]
    fn pseudonyms_are_stable_within_a_review_and_differ_across_reviews() {
        let k = key(7);
        assert_eq!(
            k.pseudonym_candidate(ReviewId(1), "U1", 0),
            k.pseudonym_candidate(ReviewId(1), "U1", 0)
        );
        let across: std::collections::BTreeSet<String> = (1..=20)
            .map(|review| k.pseudonym_candidate(ReviewId(review), "U1", 0))
            .collect();
        assert!(across.len() >= 15, "unrelated across reviews: {across:?}");
        assert!(
            k.pseudonym_candidate(ReviewId(1), "U1", 0)
                .starts_with("Respondent ")
        );
    }

    #[test]
    fn respondent_keys_depend_on_the_key_review_and_user() {
        let a = key(1).respondent_key(ReviewId(5), "U1");
        assert_eq!(a.len(), 64);
        assert_ne!(a, key(2).respondent_key(ReviewId(5), "U1"));
        assert_ne!(a, key(1).respondent_key(ReviewId(6), "U1"));
        assert_ne!(a, key(1).respondent_key(ReviewId(5), "U2"));
        assert!(!a.contains("U1"));
    }

    #[test]
    fn keys_round_trip_through_files_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config").join("debrief").join("k");
        let created = load_or_create(&PseudonymKeySource::File(path.clone())).unwrap();
        let loaded = load_or_create(&PseudonymKeySource::File(path.clone())).unwrap();
        assert_eq!(created, loaded);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&path, "nonsense").unwrap();
        let err = load_or_create(&PseudonymKeySource::File(path)).unwrap_err();
        assert!(format!("{err:#}").contains("DEBRIEF_PSEUDONYM_KEY_FILE"));
    }

    #[test]
    fn sealed_content_opens_only_with_the_key_for_its_review_and_kind() {
        let k = key(3);
        let sealed = k.seal(ReviewId(4), "response", b"the runbook was stale");
        assert!(
            !sealed.windows(b"runbook".len()).any(|w| w == b"runbook"),
            "no plaintext in the sealed bytes"
        );
        assert_eq!(
            k.open(ReviewId(4), "response", &sealed).unwrap(),
            b"the runbook was stale"
        );
        assert_ne!(
            sealed,
            k.seal(ReviewId(4), "response", b"the runbook was stale")
        );
        assert!(key(2).open(ReviewId(4), "response", &sealed).is_err());
        assert!(k.open(ReviewId(5), "response", &sealed).is_err());
        assert!(k.open(ReviewId(4), "observation", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(k.open(ReviewId(4), "response", &tampered).is_err());
    }

    #[test]
    fn the_content_key_is_derived_as_before_so_stored_seals_still_open() {
        // Derived by hand, as every earlier release did on each seal: HMAC-SHA256 under
        // the key of the length-prefixed label. Values sealed then open now, and the
        // other way round.
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(&15u64.to_be_bytes());
        mac.update(b"content seal v1");
        let content_key: [u8; 32] = mac.finalize().into_bytes().into();
        let by_hand = <XChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(&content_key.into());
        let context = sealing_context(ReviewId(4), "observation");

        let sealed = key(7).seal(ReviewId(4), "observation", b"the pager was silent");
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().unwrap();
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        assert_eq!(
            by_hand.decrypt(&XNonce::from(nonce), payload).unwrap(),
            b"the pager was silent"
        );

        let nonce = [5u8; NONCE_BYTES];
        let payload = Payload {
            msg: &b"the dashboard lagged"[..],
            aad: context.as_bytes(),
        };
        let mut old = vec![SEAL_VERSION];
        old.extend_from_slice(&nonce);
        old.extend(by_hand.encrypt(&XNonce::from(nonce), payload).unwrap());
        assert_eq!(
            key(7).open(ReviewId(4), "observation", &old).unwrap(),
            b"the dashboard lagged"
        );
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(format!("{:?}", key(9)), "PseudonymKey([redacted])");
        assert_ne!(key(9).fingerprint(), key(8).fingerprint());
    }
}
