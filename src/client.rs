//! The client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::header::{AUTHORIZATION, USER_AGENT};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use ureq::Agent;

use crate::errors::Error;
use crate::options::RequestOptions;
use crate::transport::percent_encode;

const DEFAULT_BASE_DOMAIN: &str = "api.openai.com";
const DEFAULT_API_VERSION: &str = "v1";
/// The largest JSON answer read into memory unless the builder says otherwise.
const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
const DEFAULT_USER_AGENT: &str = concat!("openai-blocking/", env!("CARGO_PKG_VERSION"));

/// A blocking client for OpenAI's API: one method per operation, plus waits, page walkers
/// and streams.
///
/// Cheap to clone: clones share one connection pool. The four retry/polling settings
/// belong to each clone and can be changed with the `set_*` methods.
#[derive(Clone)]
pub struct OpenAIClient {
    pub(crate) inner: Arc<ClientInner>,
    max_retries: u32,
    backoff_delay: Duration,
    polling_interval: Option<Duration>,
    polling_timeout: Option<Duration>,
    /// How the client waits between retries and polls; tests swap it out.
    pub(crate) sleeper: Sleeper,
    /// Per-call options of a view made with [`with_options`](OpenAIClient::with_options).
    pub(crate) options: Option<Arc<RequestOptions>>,
}

/// The immutable, shared part of a client.
pub(crate) struct ClientInner {
    pub(crate) agent: Agent,
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    pub(crate) base_url: String,
    /// `Authorization: Bearer <key>`, or `api-key: <key>` for Azure.
    pub(crate) auth: (HeaderName, HeaderValue),
    /// Headers sent on every request: user agent, organization, project, custom headers.
    pub(crate) default_headers: HeaderMap,
    /// Azure only: the `api-version` query value, already percent-encoded.
    pub(crate) azure_api_version: Option<String>,
    /// The caller's agent turns 4xx/5xx into errors, so each request must switch that off.
    pub(crate) status_as_error_override: bool,
    /// The longest a whole call may take, retries included.
    pub(crate) total_timeout: Option<Duration>,
    /// The largest JSON body read into memory.
    pub(crate) max_response_bytes: u64,
    organization: Option<String>,
    project: Option<String>,
}

impl OpenAIClient {
    /// Start building a client that authenticates with `key`.
    pub fn create_with_api_key(key: impl Into<String>) -> OpenAIClientBuilder {
        OpenAIClientBuilder::new(key.into())
    }

    /// Build a client from the environment: `OPENAI_API_KEY` (required), and when set and
    /// non-empty `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`.
    pub fn from_env() -> Result<OpenAIClient, Error> {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let key = var("OPENAI_API_KEY")
            .ok_or_else(|| Error::Config("OPENAI_API_KEY is not set".into()))?;
        let mut builder = Self::create_with_api_key(key);
        if let Some(url) = var("OPENAI_BASE_URL") {
            validate_base_url(&url).map_err(|e| match e {
                Error::Config(why) => Error::Config(format!("OPENAI_BASE_URL: {why}")),
                other => other,
            })?;
            builder = builder.with_base_url(url);
        }
        if let Some(org) = var("OPENAI_ORG_ID") {
            builder = builder.with_organization(org);
        }
        if let Some(project) = var("OPENAI_PROJECT_ID") {
            builder = builder.with_project(project);
        }
        builder.build()
    }

    /// How many times a failed request is retried (default 2).
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Change how many times a failed request is retried; 0 disables retries.
    pub fn set_max_retries(&mut self, max_retries: u32) {
        self.max_retries = max_retries;
    }

    /// The first retry delay (default 500 ms); it doubles per retry, capped at 8 s.
    pub fn backoff_delay(&self) -> Duration {
        self.backoff_delay
    }

    /// Change the first retry delay.
    pub fn set_backoff_delay(&mut self, delay: Duration) {
        self.backoff_delay = delay;
    }

    /// The fixed wait between status polls; `None` (default) means 1 s unless the server
    /// suggests another wait with `openai-poll-after-ms`.
    pub fn polling_interval(&self) -> Option<Duration> {
        self.polling_interval
    }

    /// Change the wait between status polls (`None`: server hint, else 1 s).
    pub fn set_polling_interval(&mut self, interval: Option<Duration>) {
        self.polling_interval = interval;
    }

    /// The overall limit of a polling loop (default 600 s); `None` means no limit.
    pub fn polling_timeout(&self) -> Option<Duration> {
        self.polling_timeout
    }

    /// Change the overall limit of a polling loop (`None`: no limit).
    pub fn set_polling_timeout(&mut self, timeout: Option<Duration>) {
        self.polling_timeout = timeout;
    }
}

impl fmt::Debug for OpenAIClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("OpenAIClient")
            .field("api_key", &"<redacted>")
            .field("base_url", &inner.base_url)
            .field("azure", &inner.azure_api_version.is_some())
            .field("organization", &inner.organization)
            .field("project", &inner.project)
            .field("max_retries", &self.max_retries)
            .field("backoff_delay", &self.backoff_delay)
            .field("polling_interval", &self.polling_interval)
            .field("polling_timeout", &self.polling_timeout)
            .finish_non_exhaustive()
    }
}

/// Configures and builds an [`OpenAIClient`]; start with [`OpenAIClient::create_with_api_key`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct OpenAIClientBuilder {
    api_key: String,
    base_url: Option<String>,
    base_domain: String,
    api_version: String,
    azure: Option<(String, String)>,
    organization: Option<String>,
    project: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    total_timeout: Option<Duration>,
    max_response_bytes: u64,
    max_retries: u32,
    backoff_delay: Duration,
    polling_interval: Option<Duration>,
    polling_timeout: Option<Duration>,
    headers: Vec<(String, String)>,
    user_agent: Option<String>,
    agent: Option<Agent>,
    sleeper: Option<Sleeper>,
}

/// How a client waits: between retries and between status polls.
pub(crate) type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

impl OpenAIClientBuilder {
    fn new(api_key: String) -> Self {
        OpenAIClientBuilder {
            api_key,
            base_url: None,
            base_domain: DEFAULT_BASE_DOMAIN.into(),
            api_version: DEFAULT_API_VERSION.into(),
            azure: None,
            organization: None,
            project: None,
            timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(5),
            total_timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retries: 2,
            backoff_delay: Duration::from_millis(500),
            polling_interval: None,
            polling_timeout: Some(Duration::from_secs(600)),
            headers: Vec::new(),
            user_agent: None,
            agent: None,
            sleeper: None,
        }
    }

    /// Send `OpenAI-Project: <project>` on every request.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Send `OpenAI-Organization: <organization>` on every request.
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Use this base URL (default `https://api.openai.com/v1`; a trailing slash is fine).
    /// It takes precedence over [`with_base_domain`](Self::with_base_domain) and
    /// [`with_api_version`](Self::with_api_version).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Host of the API (default `api.openai.com`); the base URL becomes
    /// `https://{domain}/{version}`. A domain that carries its own scheme
    /// (`http://localhost:8080`) is used as is.
    pub fn with_base_domain(mut self, domain: impl Into<String>) -> Self {
        self.base_domain = domain.into();
        self
    }

    /// Version path segment of the base URL (default `v1`), see
    /// [`with_base_domain`](Self::with_base_domain).
    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The longest a single read or write on the connection may block (default 600 s), as
    /// in the official SDKs: a response that keeps arriving is never cut off, so long
    /// downloads work, while a silent server fails with [`Error::Timeout`]. (ureq's
    /// `timeout_global` is not used: it makes every call several times slower.)
    /// Ignored when [`with_agent`](Self::with_agent) is used.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest a whole call may take, from the first byte sent to the last byte read,
    /// retries and their waits included (default: no limit). [`with_timeout`](Self::with_timeout)
    /// bounds each read, so a server that keeps sending a byte now and then keeps a call
    /// alive; this bounds the call. Costs a copy of the agent's settings per request, which
    /// is why it is off by default. Also per call, with
    /// [`RequestOptions::total_timeout`](crate::RequestOptions::total_timeout).
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// The largest JSON answer read into memory (default 256 MiB); a larger one fails with
    /// [`Error::BodyTooLarge`]. File downloads have no limit.
    pub fn with_max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Time limit for opening a connection (default 5 s).
    /// Ignored when [`with_agent`](Self::with_agent) is used.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times a failed request is retried (default 2).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The first retry delay (default 500 ms); it doubles per retry, capped at 8 s, and
    /// loses a random 0-25 %.
    pub fn with_backoff_delay(mut self, delay: Duration) -> Self {
        self.backoff_delay = delay;
        self
    }

    /// A fixed wait between status polls. Default `None`: 1 s, unless the server suggests
    /// another wait with `openai-poll-after-ms`.
    pub fn with_polling_interval(mut self, interval: Option<Duration>) -> Self {
        self.polling_interval = interval;
        self
    }

    /// The overall limit of a polling loop (default 600 s); `None` means no limit.
    pub fn with_polling_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.polling_timeout = timeout;
        self
    }

    /// Replace how the client waits between retries and between status polls (default
    /// [`std::thread::sleep`]). Tests pass a function that records the waits instead of
    /// sleeping; polling timeouts then count the waits asked for, so they still fire.
    pub fn with_sleeper(mut self, sleeper: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleeper = Some(Arc::new(sleeper));
        self
    }

    /// Send this header on every request; it replaces a default header of the same name.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replace the `User-Agent` (default `openai-blocking/<version>`).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Send requests through this [`ureq::Agent`], e.g. one configured with a proxy or
    /// custom TLS roots. Its own configuration (timeouts, proxy, TLS, redirects) is then used
    /// and [`with_timeout`](Self::with_timeout) / [`with_connect_timeout`](Self::with_connect_timeout)
    /// are ignored. The SDK reads error statuses itself: if the agent has
    /// `http_status_as_error(true)` (ureq's default), each request overrides it to `false`,
    /// which costs a copy of the agent's configuration per request; build the agent with
    /// `http_status_as_error(false)` to avoid that.
    pub fn with_agent(mut self, agent: Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Talk to Azure OpenAI: base URL `{endpoint}/openai`, the key sent as `api-key` instead
    /// of a bearer token, `api-version=<api_version>` on every request, and model-scoped
    /// endpoints (e.g. `/chat/completions`) routed to `/deployments/{model}/...`, where the
    /// model named in the request body is the deployment name.
    pub fn with_azure(
        mut self,
        endpoint: impl Into<String>,
        api_version: impl Into<String>,
    ) -> Self {
        self.azure = Some((endpoint.into(), api_version.into()));
        self
    }

    /// Validate the settings and build the client.
    ///
    /// Fails with [`Error::Config`] when the key is empty, the base URL is not an absolute
    /// `http`/`https` URL with a host, a header value is not valid in HTTP, or a timeout is
    /// zero.
    pub fn build(self) -> Result<OpenAIClient, Error> {
        let key = self.api_key.trim();
        if key.is_empty() {
            return Err(Error::Config("the API key is empty".into()));
        }
        for (name, value) in [
            ("with_timeout", Some(self.timeout)),
            ("with_connect_timeout", Some(self.connect_timeout)),
            ("with_total_timeout", self.total_timeout),
        ] {
            if value.is_some_and(|d| d.is_zero()) {
                return Err(Error::Config(format!(
                    "{name}(Duration::ZERO): a call could never finish; give a positive duration"
                )));
            }
        }
        let base_url = validate_base_url(&self.resolve_base_url())?;

        let (auth, azure_api_version) = match &self.azure {
            Some((_, version)) => (
                (HeaderName::from_static("api-key"), secret_value(key)?),
                Some(percent_encode(version)),
            ),
            None => (
                (AUTHORIZATION, secret_value(&format!("Bearer {key}"))?),
                None,
            ),
        };

        let mut default_headers = HeaderMap::new();
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        default_headers.insert(USER_AGENT, header_value("User-Agent", user_agent)?);
        if let Some(org) = &self.organization {
            let name = HeaderName::from_static("openai-organization");
            default_headers.insert(name, header_value("OpenAI-Organization", org)?);
        }
        if let Some(project) = &self.project {
            let name = HeaderName::from_static("openai-project");
            default_headers.insert(name, header_value("OpenAI-Project", project)?);
        }
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("invalid header name {name:?}")))?;
            default_headers.insert(header, header_value(name, value)?);
        }

        let agent = match self.agent {
            Some(agent) => agent,
            None => Agent::config_builder()
                .http_status_as_error(false)
                .timeout_per_read(Some(self.timeout))
                .timeout_per_write(Some(self.timeout))
                .timeout_connect(Some(self.connect_timeout))
                .build()
                .into(),
        };
        let status_as_error_override = agent.config().http_status_as_error();

        Ok(OpenAIClient {
            inner: Arc::new(ClientInner {
                agent,
                base_url,
                auth,
                default_headers,
                azure_api_version,
                status_as_error_override,
                total_timeout: self.total_timeout,
                max_response_bytes: self.max_response_bytes,
                organization: self.organization,
                project: self.project,
            }),
            max_retries: self.max_retries,
            backoff_delay: self.backoff_delay,
            polling_interval: self.polling_interval,
            polling_timeout: self.polling_timeout,
            sleeper: self.sleeper.unwrap_or_else(|| Arc::new(std::thread::sleep)),
            options: None,
        })
    }

    fn resolve_base_url(&self) -> String {
        if let Some((endpoint, _)) = &self.azure {
            return format!("{}/openai", endpoint.trim_end_matches('/'));
        }
        if let Some(url) = &self.base_url {
            return url.clone();
        }
        let domain = self.base_domain.trim_end_matches('/');
        let version = self.api_version.trim_matches('/');
        if domain.contains("://") {
            format!("{domain}/{version}")
        } else {
            format!("https://{domain}/{version}")
        }
    }
}

impl fmt::Debug for OpenAIClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("OpenAIClientBuilder")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.resolve_base_url())
            .field("azure", &self.azure.is_some())
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_delay", &self.backoff_delay)
            .field("polling_interval", &self.polling_interval)
            .field("polling_timeout", &self.polling_timeout)
            .field("headers", &header_names)
            .field("user_agent", &self.user_agent)
            .field("custom_agent", &self.agent.is_some())
            .field("custom_sleeper", &self.sleeper.is_some())
            .finish()
    }
}

/// Check that `url` is an absolute http(s) URL with a host and no query; drop trailing slashes.
fn validate_base_url(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::Config(format!("invalid base URL {url:?}: {why}"));
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return Err(bad(
            "it has no scheme; expected http://host[:port][/path] or https://host[:port][/path]",
        ));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if rest.is_empty() || rest.starts_with(['/', '?', '#', ':']) {
        return Err(bad("the host is missing"));
    }
    let trimmed = url.trim().trim_end_matches('/');
    let uri: Uri = trimmed.parse().map_err(|_| bad("not a URL"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("the host is missing"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(bad("no query or fragment allowed"));
    }
    Ok(trimmed.to_owned())
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value)
        .map_err(|_| Error::Config(format!("the value of header {name:?} is not valid in HTTP")))
}

/// A header value holding the key, marked sensitive; the error never shows the key.
fn secret_value(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::Config("the API key contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let base = |b: OpenAIClientBuilder| b.build().unwrap().inner.base_url.clone();
        let builder = || OpenAIClient::create_with_api_key("sk-test");
        assert_eq!(base(builder()), "https://api.openai.com/v1");
        assert_eq!(
            base(builder().with_base_url("http://127.0.0.1:9/v1/")),
            "http://127.0.0.1:9/v1"
        );
        assert_eq!(
            base(
                builder()
                    .with_base_domain("example.com")
                    .with_api_version("v2")
            ),
            "https://example.com/v2"
        );
        assert_eq!(
            base(builder().with_azure("https://res.openai.azure.com/", "2024-10-21")),
            "https://res.openai.azure.com/openai"
        );
    }

    #[test]
    fn bad_configs_are_errors() {
        for url in [
            "",
            "not a url",
            "ftp://x.com",
            "http://",
            "/v1",
            "https://x.com/v1?a=b",
        ] {
            let result = OpenAIClient::create_with_api_key("sk-test")
                .with_base_url(url)
                .build();
            assert!(matches!(result, Err(Error::Config(_))), "{url:?}");
        }
        for key in ["", "  ", "sk-\nsecret"] {
            let err = OpenAIClient::create_with_api_key(key).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{key:?}");
            assert!(!err.to_string().contains("secret"));
        }
        let err = OpenAIClient::create_with_api_key("sk")
            .with_header("x-bad", "a\r\nb")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }

    #[test]
    fn settings_round_trip() {
        let mut client = OpenAIClient::create_with_api_key("sk").build().unwrap();
        assert_eq!(client.max_retries(), 2);
        assert_eq!(client.backoff_delay(), Duration::from_millis(500));
        assert_eq!(client.polling_interval(), None);
        assert_eq!(client.polling_timeout(), Some(Duration::from_secs(600)));
        client.set_max_retries(5);
        client.set_backoff_delay(Duration::from_secs(1));
        client.set_polling_interval(Some(Duration::from_millis(250)));
        client.set_polling_timeout(None);
        assert_eq!(client.max_retries(), 5);
        assert_eq!(client.backoff_delay(), Duration::from_secs(1));
        assert_eq!(client.polling_interval(), Some(Duration::from_millis(250)));
        assert_eq!(client.polling_timeout(), None);
    }
}
