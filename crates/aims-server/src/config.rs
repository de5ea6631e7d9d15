//! Settings the server needs at run time (the binary loads them from file, environment
//! and flags).

use aims_store::ThrottlePolicy;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Mark cookies `Secure` and send HSTS: on whenever AIMS is reached over HTTPS.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Requests taking longer are answered 503.
    pub request_timeout_secs: u64,
    pub throttle: ThrottlePolicy,
    /// Shown on the login page of a demo server.
    pub demo_login: Option<(String, String)>,
    /// Where evidence files are kept (content-addressed).
    pub evidence_dir: std::path::PathBuf,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_bytes: usize,
    /// The MLflow tracking server to import models from, set by the operator (never by a
    /// request, so the server only ever fetches from this address), and its token.
    pub mlflow_url: Option<String>,
    pub mlflow_token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            body_limit: 1024 * 1024,
            request_timeout_secs: 30,
            throttle: ThrottlePolicy::default(),
            demo_login: None,
            evidence_dir: std::env::temp_dir().join("aims-evidence"),
            evidence_max_bytes: 25 * 1024 * 1024,
            mlflow_url: None,
            mlflow_token: None,
        }
    }
}
