//! JSON Web Tokens signed with HMAC (HS256, HS384, HS512): making and verifying them.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The HMAC algorithms a token may be signed with. Asymmetric ones (RS256, ES256) are not
/// supported; a token naming any other algorithm, `none` included, is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }
}

/// Why a token was refused. Each says which check failed; none says more than that.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// The header names an algorithm other than the configured one (`none` included).
    Algorithm,
    /// The signature does not match: changed, or made with another key.
    Signature,
    /// Past its `exp` (with the leeway).
    Expired,
    /// Before its `nbf` (with the leeway).
    NotYetValid,
    /// Its `iat` is in the future (with the leeway).
    IssuedInFuture,
    /// No `exp`, and the configuration requires one.
    MissingExpiry,
    /// Its `iss` is not the configured issuer.
    Issuer,
    /// Its `aud` does not name the configured audience.
    Audience,
    /// The claims are not what the handler expects.
    Claims(String),
    /// The claims could not be serialised (making a token).
    Encode(String),
    /// The HMAC secret is shorter than the hash's output (RFC 7518 §3.2): guessable.
    WeakSecret {
        /// The secret's length, in bytes.
        len: usize,
        /// The least the algorithm needs: 32 for HS256, 48 for HS384, 64 for HS512.
        needed: usize,
    },
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Malformed => f.write_str("the token is malformed"),
            JwtError::Algorithm => f.write_str("the token's algorithm is not accepted"),
            JwtError::Signature => f.write_str("the token's signature is invalid"),
            JwtError::Expired => f.write_str("the token has expired"),
            JwtError::NotYetValid => f.write_str("the token is not valid yet"),
            JwtError::IssuedInFuture => f.write_str("the token is issued in the future"),
            JwtError::MissingExpiry => f.write_str("the token has no expiry"),
            JwtError::Issuer => f.write_str("the token's issuer is not accepted"),
            JwtError::Audience => f.write_str("the token is not meant for this audience"),
            JwtError::Claims(e) => write!(f, "the token's claims are not as expected: {e}"),
            JwtError::Encode(e) => write!(f, "the claims cannot be encoded: {e}"),
            JwtError::WeakSecret { len, needed } => write!(
                f,
                "the JWT secret is {len} bytes; this algorithm needs at least {needed} (RFC 7518 §3.2): use a random secret of {needed} bytes or more"
            ),
        }
    }
}

impl std::error::Error for JwtError {}

/// How tokens are made and checked: the secret, the algorithm, and the registered claims
/// required. Cheap to clone.
///
/// ```
/// use std::time::Duration;
/// use rws::auth::{Algorithm, JwtConfig, build_jwt, verify_jwt};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Claims { sub: String, exp: u64 }
///
/// let config = JwtConfig::new(b"a secret of at least 32 bytes, really")
///     .algorithm(Algorithm::HS256)
///     .leeway(Duration::from_secs(30));
/// let token = build_jwt(&Claims { sub: "ada".into(), exp: 4_102_444_800 }, &config).unwrap();
/// let claims: Claims = verify_jwt(&token, &config).unwrap();
/// assert_eq!(claims.sub, "ada");
/// assert!(verify_jwt::<Claims>(&format!("{token}x"), &config).is_err());
/// ```
#[derive(Clone)]
pub struct JwtConfig {
    secret: Arc<[u8]>,
    algorithm: Algorithm,
    leeway: u64,
    issuer: Option<String>,
    audience: Option<String>,
    require_exp: bool,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("algorithm", &self.algorithm)
            .field("leeway", &self.leeway)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtConfig {
    /// HS256 with `secret`, a leeway of 60 s, `exp` required, any issuer and audience.
    ///
    /// A secret shorter than the algorithm's hash output (32 bytes for HS256, 48 for HS384,
    /// 64 for HS512) is refused: `App::build` reports it for a [`JwtLayer`](super::JwtLayer),
    /// and [`build_jwt`] and [`verify_jwt`] answer [`JwtError::WeakSecret`].
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        JwtConfig {
            secret: Arc::from(secret.as_ref()),
            algorithm: Algorithm::HS256,
            leeway: 60,
            issuer: None,
            audience: None,
            require_exp: true,
        }
    }

    /// The one algorithm accepted and used.
    #[must_use]
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How much clock difference `exp`, `nbf` and `iat` tolerate.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }

    /// Requires `iss` to be `issuer`.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to be or contain `audience`.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Whether a token without `exp` is refused (default `true`).
    #[must_use]
    pub fn require_exp(mut self, required: bool) -> Self {
        self.require_exp = required;
        self
    }

    /// Whether the secret is long enough for the algorithm.
    pub fn check(&self) -> Result<(), JwtError> {
        let needed = match self.algorithm {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
        };
        if self.secret.len() < needed {
            return Err(JwtError::WeakSecret {
                len: self.secret.len(),
                needed,
            });
        }
        Ok(())
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        macro_rules! hmac {
            ($hash:ty) => {{
                // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
                let Ok(mut mac) = Hmac::<$hash>::new_from_slice(&self.secret) else {
                    return Vec::new();
                };
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }};
        }
        match self.algorithm {
            Algorithm::HS256 => hmac!(sha2::Sha256),
            Algorithm::HS384 => hmac!(sha2::Sha384),
            Algorithm::HS512 => hmac!(sha2::Sha512),
        }
    }

    /// Whether `signature` is the MAC of `message`, compared in constant time.
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        macro_rules! hmac {
            ($hash:ty) => {{
                let Ok(mut mac) = Hmac::<$hash>::new_from_slice(&self.secret) else {
                    return false;
                };
                mac.update(message);
                mac.verify_slice(signature).is_ok()
            }};
        }
        match self.algorithm {
            Algorithm::HS256 => hmac!(sha2::Sha256),
            Algorithm::HS384 => hmac!(sha2::Sha384),
            Algorithm::HS512 => hmac!(sha2::Sha512),
        }
    }
}

/// Makes a token of `claims` (any serialisable value; include `exp`) signed per `config`.
pub fn build_jwt<T: Serialize + ?Sized>(
    claims: &T,
    config: &JwtConfig,
) -> Result<String, JwtError> {
    config.check()?;
    let header = serde_json::json!({ "alg": config.algorithm.name(), "typ": "JWT" });
    let payload = serde_json::to_vec(claims).map_err(|e| JwtError::Encode(e.to_string()))?;
    let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = config.sign(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// Verifies `token` per `config` and returns its claims as `T`: the signature (in constant
/// time), the algorithm (only the configured one), then `exp`, `nbf`, `iat`, `iss` and `aud`.
pub fn verify_jwt<T: DeserializeOwned>(token: &str, config: &JwtConfig) -> Result<T, JwtError> {
    let claims = verify_claims(token, config, now())?;
    T::deserialize(&claims).map_err(|e| JwtError::Claims(e.to_string()))
}

/// Seconds since the Unix epoch.
pub(super) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The verified claims of `token` at `now` (seconds since the epoch), as JSON.
pub(crate) fn verify_claims(token: &str, config: &JwtConfig, now: u64) -> Result<Value, JwtError> {
    config.check()?;
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Malformed)
    };
    let header: Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    // Only the configured algorithm: no `none`, no switching to another key type.
    if header.get("alg").and_then(Value::as_str) != Some(config.algorithm.name())
        || header.get("crit").is_some()
    {
        return Err(JwtError::Algorithm);
    }
    let signed = token.len() - signature.len() - 1;
    if !config.verify(&token.as_bytes()[..signed], &decode(signature)?) {
        return Err(JwtError::Signature);
    }
    let claims: Value =
        serde_json::from_slice(&decode(payload)?).map_err(|_| JwtError::Malformed)?;
    if !claims.is_object() {
        return Err(JwtError::Malformed);
    }
    check_registered(&claims, config, now)?;
    Ok(claims)
}

fn check_registered(claims: &Value, config: &JwtConfig, now: u64) -> Result<(), JwtError> {
    let leeway = config.leeway;
    let time = |name: &str| -> Result<Option<u64>, JwtError> {
        match claims.get(name) {
            None => Ok(None),
            // NumericDate: seconds, possibly fractional; the fraction is dropped, and a value
            // too large saturates (NaN and negatives were filtered out).
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .map(Some)
                .ok_or(JwtError::Malformed),
        }
    };
    match time("exp")? {
        Some(exp) if now > exp.saturating_add(leeway) => return Err(JwtError::Expired),
        None if config.require_exp => return Err(JwtError::MissingExpiry),
        _ => {}
    }
    if let Some(nbf) = time("nbf")?
        && now.saturating_add(leeway) < nbf
    {
        return Err(JwtError::NotYetValid);
    }
    if let Some(iat) = time("iat")?
        && iat > now.saturating_add(leeway)
    {
        return Err(JwtError::IssuedInFuture);
    }
    if let Some(issuer) = &config.issuer
        && claims.get("iss").and_then(Value::as_str) != Some(issuer)
    {
        return Err(JwtError::Issuer);
    }
    if let Some(audience) = &config.audience {
        let ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(audience)),
            _ => false,
        };
        if !ok {
            return Err(JwtError::Audience);
        }
    }
    Ok(())
}
