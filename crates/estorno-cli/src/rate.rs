//! Per-provider rate limits for bulk runs (`--rate zoop=5/s`): a token bucket per provider,
//! so a bulk file never sends a provider more calls than its agreement allows.
//!
//! Every provider call the bulk engine makes — look-up, cancellation, reconciliation — takes
//! one token. The bucket holds at most one second's worth of tokens, so a run starts at the
//! full rate without a burst above it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `--rate PROVIDER=N/s`: at most `per_second` calls a second to `provider`.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSpec {
    pub provider: String,
    pub per_second: f64,
}

impl FromStr for RateSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((provider, rate)) = text.split_once('=') else {
            return Err(format!(
                "`{text}` is not PROVIDER=N/s (for example zoop=5/s)"
            ));
        };
        let provider = provider.trim();
        if provider.is_empty() {
            return Err(format!("`{text}` names no provider"));
        }
        let rate = rate.trim();
        let number = rate.strip_suffix("/s").unwrap_or(rate).trim();
        let per_second: f64 = number
            .parse()
            .map_err(|_| format!("`{rate}` is not a rate: write N/s, for example 5/s or 0.5/s"))?;
        if !per_second.is_finite() || per_second <= 0.0 {
            return Err(format!(
                "`{rate}`: a rate must be more than zero calls a second"
            ));
        }
        Ok(RateSpec {
            provider: provider.to_owned(),
            per_second,
        })
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}/s", self.provider, self.per_second)
    }
}

/// A token bucket: `per_second` tokens a second, at most `capacity` saved up. In a shared
/// run the tokens come from a bucket every worker takes from ([`SharedTokens`]), a few at a
/// time, and this one only holds what this worker took and has not spent.
#[derive(Debug)]
pub struct TokenBucket {
    per_second: f64,
    capacity: f64,
    state: Mutex<Bucket>,
    shared: Option<(Arc<dyn SharedTokens>, String)>,
}

/// What [`SharedTokens::take`] answers: how many tokens were taken, or how long until one is
/// due.
pub type Taken = Result<u32, Duration>;

/// A rate shared by several processes: a bucket they all take tokens from.
pub trait SharedTokens: Send + Sync + fmt::Debug {
    /// Takes up to `want` of `provider`'s tokens.
    fn take(&self, provider: String, want: u32)
    -> Pin<Box<dyn Future<Output = Taken> + Send + '_>>;
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket for `per_second` calls a second.
    pub fn new(per_second: f64) -> Self {
        TokenBucket::starting_at(per_second, Instant::now())
    }

    fn starting_at(per_second: f64, now: Instant) -> Self {
        let capacity = per_second.max(1.0);
        TokenBucket {
            per_second,
            capacity,
            state: Mutex::new(Bucket {
                tokens: capacity,
                refilled_at: now,
            }),
            shared: None,
        }
    }

    /// A bucket for `provider` that takes its tokens from `source`, shared with other
    /// workers, at most a tenth of a second's worth at a time (so no worker sits on tokens
    /// the others could use).
    pub fn shared(per_second: f64, source: Arc<dyn SharedTokens>, provider: &str) -> Self {
        let mut bucket = TokenBucket::starting_at(per_second, Instant::now());
        bucket
            .state
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner())
            .tokens = 0.0;
        bucket.shared = Some((source, provider.to_owned()));
        bucket
    }

    /// The rate, calls a second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    fn batch(&self) -> u32 {
        (self.per_second / 10.0).floor().clamp(1.0, 100.0) as u32
    }

    /// Spends a token this worker holds, if it holds one.
    fn spend_held(&self) -> bool {
        let mut bucket = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Takes a token at `now`, or says how long to wait before one is due.
    fn try_take(&self, now: Instant) -> Result<(), Duration> {
        let mut bucket = self
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        if let Some((source, provider)) = &self.shared {
            while !self.spend_held() {
                match source.take(provider.clone(), self.batch()).await {
                    Ok(taken) => {
                        let mut bucket = self
                            .state
                            .lock()
                            .unwrap_or_else(|poison| poison.into_inner());
                        bucket.tokens += f64::from(taken.min(self.batch()));
                    }
                    Err(wait) => tokio::time::sleep(wait).await,
                }
            }
            return;
        }
        loop {
            match self.try_take(Instant::now()) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_or_without_the_unit() {
        assert_eq!(
            "zoop=5/s".parse::<RateSpec>().unwrap(),
            RateSpec {
                provider: "zoop".into(),
                per_second: 5.0
            }
        );
        assert_eq!(" yapay = 0.5 ".parse::<RateSpec>().unwrap().per_second, 0.5);
        for bad in [
            "zoop",
            "=5/s",
            "zoop=0/s",
            "zoop=-1",
            "zoop=fast",
            "zoop=inf",
        ] {
            assert!(bad.parse::<RateSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_allows_its_rate_and_no_more() {
        let start = Instant::now();
        let bucket = TokenBucket::starting_at(2.0, start);
        // Two saved-up tokens, then one every half second.
        assert_eq!(bucket.try_take(start), Ok(()));
        assert_eq!(bucket.try_take(start), Ok(()));
        let wait = bucket.try_take(start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
        assert!(bucket.try_take(start + Duration::from_millis(400)).is_err());
        assert_eq!(bucket.try_take(start + Duration::from_millis(600)), Ok(()));
        // A long pause saves up no more than one second's worth.
        let later = start + Duration::from_secs(60);
        assert_eq!(bucket.try_take(later), Ok(()));
        assert_eq!(bucket.try_take(later), Ok(()));
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn slow_rates_wait_whole_intervals() {
        let start = Instant::now();
        let bucket = TokenBucket::starting_at(0.5, start);
        assert_eq!(bucket.try_take(start), Ok(()));
        let wait = bucket.try_take(start).unwrap_err();
        assert!((wait.as_secs_f64() - 2.0).abs() < 1e-9, "{wait:?}");
    }
}
