//! The HTTP side of `server load`: an operator's client and the latency and outcome counts.
use super::PASSWORD;
use reqwest::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One signed-in operator's HTTP client; requests look like the hydrated console's.
pub(super) struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

/// What came back: the status (None: no answer) and the body.
pub(super) struct Answer {
    pub(super) status: Option<StatusCode>,
    pub(super) body: Vec<u8>,
    pub(super) elapsed: Duration,
}

impl Answer {
    pub(super) fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.is_success())
    }

    pub(super) fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    pub(super) fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(160).collect()
    }
}

impl Client {
    pub(super) async fn login(base: &str, username: &str) -> Result<Self, String> {
        let mut origin = reqwest::header::HeaderMap::new();
        origin.insert(
            reqwest::header::ORIGIN,
            base.parse().map_err(|_| "origin header")?,
        );
        origin.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .default_headers(origin)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let mut client = Self {
            http,
            base: base.to_string(),
            cookie: String::new(),
        };
        let response = client
            .http
            .post(format!("{base}/api/login"))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        client.cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("rewind_session=") && !v.starts_with("rewind_session=;"))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| format!("{username} could not sign in: {}", response.status()))?;
        Ok(client)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let started = Instant::now();
        let result = request
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await;
        let (status, body) = match result {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(body) => (Some(status), body.to_vec()),
                    Err(error) => (None, error.to_string().into_bytes()),
                }
            }
            Err(error) => (None, error.to_string().into_bytes()),
        };
        Answer {
            status,
            body,
            elapsed: started.elapsed(),
        }
    }

    /// A server function with JSON arguments (`input = Json`).
    pub(super) async fn json<T: Serialize>(&self, function: &str, args: &T) -> Answer {
        let url = format!("{}/api/{function}", self.base);
        self.send(self.http.post(url).json(args)).await
    }

    /// A server function with form arguments (the default encoding).
    pub(super) async fn form(&self, function: &str, args: &[(&str, &str)]) -> Answer {
        let url = format!("{}/api/{function}", self.base);
        self.send(self.http.post(url).form(args)).await
    }

    pub(super) async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }
}

#[derive(Default)]
pub(super) struct KindStats {
    pub(super) samples: Vec<Duration>,
    pub(super) ok: u64,
    pub(super) refused: u64,
    pub(super) server_errors: u64,
    pub(super) other_errors: u64,
}

/// Per request kind: latencies and outcomes.
#[derive(Default)]
pub(super) struct Stats {
    kinds: BTreeMap<&'static str, KindStats>,
    pub(super) examples: Vec<String>,
}

impl Stats {
    /// Counts `answer`. 409 (conflict, e.g. the pair is already a member), 404 (gone, e.g.
    /// rewound by the restore) and 422 are refusals the console shows; anything else that is
    /// not 2xx is a failure.
    pub(super) fn record(&mut self, kind: &'static str, answer: &Answer) {
        let entry = self.kinds.entry(kind).or_default();
        entry.samples.push(answer.elapsed);
        let example = match answer.status {
            Some(s) if s.is_success() => {
                entry.ok += 1;
                None
            }
            Some(
                StatusCode::CONFLICT | StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY,
            ) => {
                entry.refused += 1;
                None
            }
            Some(s) if s.is_server_error() => {
                entry.server_errors += 1;
                Some(format!("{kind} {s}: {}", answer.text()))
            }
            status => {
                entry.other_errors += 1;
                Some(format!("{kind} {status:?}: {}", answer.text()))
            }
        };
        if let Some(example) = example {
            if self.examples.len() < 5 {
                self.examples.push(example);
            }
        }
    }

    pub(super) fn merge(&mut self, other: Stats) {
        for (kind, s) in other.kinds {
            let entry = self.kinds.entry(kind).or_default();
            entry.samples.extend(s.samples);
            entry.ok += s.ok;
            entry.refused += s.refused;
            entry.server_errors += s.server_errors;
            entry.other_errors += s.other_errors;
        }
        for example in other.examples {
            if self.examples.len() < 5 {
                self.examples.push(example);
            }
        }
    }

    pub(super) fn totals(&self) -> KindStats {
        let mut all = KindStats::default();
        for s in self.kinds.values() {
            all.samples.extend(&s.samples);
            all.ok += s.ok;
            all.refused += s.refused;
            all.server_errors += s.server_errors;
            all.other_errors += s.other_errors;
        }
        all
    }

    pub(super) fn table(&self, elapsed: Duration) -> Vec<String> {
        let mut lines = vec![format!(
            "{:<18} {:>8} {:>8} {:>9} {:>9} {:>8} {:>5} {:>6}",
            "request", "count", "req/s", "p50 ms", "p99 ms", "refused", "5xx", "other"
        )];
        let row = |name: &str, s: &KindStats| {
            let mut samples = s.samples.clone();
            samples.sort();
            let pick = |q: usize| {
                samples
                    .get((samples.len() * q / 100).min(samples.len().saturating_sub(1)))
                    .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
            };
            format!(
                "{name:<18} {:>8} {:>8.1} {:>9.2} {:>9.2} {:>8} {:>5} {:>6}",
                samples.len(),
                samples.len() as f64 / elapsed.as_secs_f64(),
                pick(50),
                pick(99),
                s.refused,
                s.server_errors,
                s.other_errors
            )
        };
        for (kind, s) in &self.kinds {
            lines.push(row(kind, s));
        }
        lines.push(row("total", &self.totals()));
        lines
    }
}
