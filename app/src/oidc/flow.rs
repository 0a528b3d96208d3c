//! The conversation with the provider: discovery (cached), the authorization URL with PKCE, a
//! state and a nonce, and on the way back the code exchange, the ID token's verification
//! (signature against the provider's key set, issuer, audience, expiry, nonce) and the userinfo
//! claims.
use super::http::Http;
use super::OidcConfig;
use crate::model::OidcRefusal;
use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The provider's metadata and key set are fetched again after this long (key rotation).
const METADATA_TTL: Duration = Duration::from_secs(5 * 60);

/// Every claim of the ID token and the userinfo answer, so the role claim can be any of them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AllClaims {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}
impl AdditionalClaims for AllClaims {}

type Fields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why the browser goes to the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Login,
    /// A signed-in operator re-authenticates for a sensitive action: the provider is asked to
    /// sign them in again (`prompt=login`, `max_age=0`) and to say when (`auth_time`).
    Confirm,
    /// A signed-in operator links their own account to the provider: the provider is asked to
    /// sign them in again (`prompt=login`), so the account linked is the one they choose now.
    Link,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Confirm => "confirm",
            Self::Link => "link",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "login" => Some(Self::Login),
            "confirm" => Some(Self::Confirm),
            "link" => Some(Self::Link),
            _ => None,
        }
    }
}

/// A sign-in sent to the provider: where the browser goes, and what to keep for its return.
pub struct Begun {
    pub url: String,
    pub csrf_state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, once everything checked out.
#[derive(Clone, Debug)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    /// When the person last actually authenticated at the provider, if it said.
    pub auth_time: Option<DateTime<Utc>>,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    /// The ID token's claims over the userinfo answer's.
    pub claims: Map<String, Value>,
}

pub struct Oidc {
    pub config: OidcConfig,
    http: Http,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("config", &self.config)
            .finish()
    }
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> OidcRefusal {
    tracing::warn!(%error, "OpenID Connect: {what}");
    OidcRefusal::Unavailable
}

fn invalid(what: &str, error: impl std::fmt::Display) -> OidcRefusal {
    tracing::warn!(%error, "OpenID Connect: {what}");
    OidcRefusal::Invalid
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Result<Self, String> {
        Ok(Self {
            config,
            http: Http::new()?,
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    pub fn provider_name(&self) -> &str {
        &self.config.provider_name
    }

    /// The provider's metadata and key set, fetched at most every few minutes.
    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcRefusal> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer =
            IssuerUrl::new(self.config.issuer.clone()).map_err(|e| unavailable("issuer URL", e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| unavailable("discovery", error_chain(&e)))?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// After a signature failure: the provider may have rotated its keys.
    async fn forget_metadata(&self) {
        *self.metadata.lock().await = None;
    }

    async fn client(&self) -> Result<OidcClient, OidcRefusal> {
        let metadata = self.metadata().await?;
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| unavailable("redirect URL", e))?;
        Ok(OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser, with a fresh state, nonce and PKCE challenge (S256).
    pub async fn begin(&self, purpose: Purpose) -> Result<Begun, OidcRefusal> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if purpose == Purpose::Confirm {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        }
        if purpose == Purpose::Link {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            url: url.to_string(),
            csrf_state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token against `nonce`;
    /// then reads the userinfo endpoint, if the provider has one, for claims the ID token lacks.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Verified, OidcRefusal> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| unavailable("token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| invalid("code exchange", error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| invalid("token answer", "no ID token"))?;
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &Nonce::new(nonce.to_string())) {
            Ok(claims) => claims.clone(),
            Err(error) => {
                self.forget_metadata().await;
                return Err(invalid("ID token", error_chain(&error)));
            }
        };
        // OpenID Connect Core §2: a subject is at most 255 ASCII characters; it is stored.
        if claims.subject().len() > 255 {
            return Err(invalid("ID token", "a subject longer than 255 characters"));
        }
        if let Some(expected) = claims.access_token_hash() {
            let algorithm = id_token
                .signing_alg()
                .map_err(|e| invalid("ID token algorithm", e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| invalid("ID token key", e))?;
            let actual = AccessTokenHash::from_token(tokens.access_token(), algorithm, key)
                .map_err(|e| invalid("access token hash", e))?;
            if actual != *expected {
                return Err(invalid("access token hash", "does not match the ID token"));
            }
        }
        let mut merged = Map::new();
        if let Ok(request) = client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            let info: UserInfoClaims<AllClaims, CoreGenderClaim> = request
                .request_async(&self.http)
                .await
                .map_err(|e| unavailable("userinfo", error_chain(&e)))?;
            merged.extend(info.additional_claims().claims.clone());
            standard_claims(
                &mut merged,
                info.preferred_username(),
                info.email(),
                info.name(),
            );
        }
        merged.extend(claims.additional_claims().claims.clone());
        standard_claims(
            &mut merged,
            claims.preferred_username(),
            claims.email(),
            claims.name(),
        );
        let text = |key: &str| {
            merged
                .get(key)
                .and_then(Value::as_str)
                .map(|s| s.chars().take(256).collect::<String>())
        };
        Ok(Verified {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            auth_time: claims.auth_time(),
            preferred_username: text("preferred_username"),
            email: text("email"),
            name: text("name"),
            claims: merged,
        })
    }
}

/// The standard claims the crate parses itself (so they are not among the additional ones).
fn standard_claims(
    into: &mut Map<String, Value>,
    preferred_username: Option<&openidconnect::EndUserUsername>,
    email: Option<&openidconnect::EndUserEmail>,
    name: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserName>>,
) {
    if let Some(username) = preferred_username {
        into.insert("preferred_username".into(), username.to_string().into());
    }
    if let Some(email) = email {
        into.insert("email".into(), email.to_string().into());
    }
    if let Some(name) = name.and_then(|n| n.get(None)) {
        into.insert("name".into(), name.to_string().into());
    }
}

/// An error with its causes, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
