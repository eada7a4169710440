//! A worker's leases on the chains of a shared run, and the run's shared rate limits, on a
//! connection of their own so that claiming never waits behind the journal's writes.

use std::time::Duration;

use super::connection::{Connection, describe};
use super::{Held, ITEM_COLUMNS, held, read_item};
use crate::journal::{Item, JournalError};

/// A chain this worker has claimed: its payment's rows, in order, and the fencing token its
/// writes carry.
#[derive(Debug)]
pub struct Claimed {
    pub chain: i64,
    pub token: i64,
    pub items: Vec<Item>,
}

/// How much of a round is left to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundState {
    /// Chains nobody holds that this round has not been through: a worker may claim them.
    pub claimable: i64,
    /// Chains a live worker holds.
    pub held: i64,
}

/// This worker's leases on a run's chains.
pub struct Leases {
    conn: Connection,
    run: i64,
    worker: String,
    lease_ms: i64,
    held: Held,
    /// The database and run, for messages.
    location: String,
}

impl std::fmt::Debug for Leases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leases")
            .field("run", &self.run)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// The final states, as SQL.
const FINAL: &str = "('done', 'invalid', 'failed', 'review')";

impl Leases {
    pub(super) fn new(
        conn: Connection,
        run: i64,
        worker: String,
        lease: Duration,
        held: Held,
        location: String,
    ) -> Leases {
        Leases {
            conn,
            run,
            worker,
            lease_ms: i64::try_from(lease.as_millis()).unwrap_or(i64::MAX),
            held,
            location,
        }
    }

    /// This worker's name, as its leases record it.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    async fn query<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.conn
            .call_async(move |session| work(&mut session.client))
            .await
            .and_then(|result| result.map_err(|error| describe(&error)))
            .map_err(|reason| JournalError::Unusable {
                path: self.location.clone().into(),
                reason,
            })
    }

    /// The round this worker takes part in: the current one, or the next if the current
    /// one has been through every open chain.
    pub async fn join_round(&self) -> Result<i64, JournalError> {
        let run = self.run;
        self.query(move |client| {
            let round: i64 = client
                .query_one("SELECT round FROM estorno_runs WHERE id = $1", &[&run])?
                .get(0);
            // Chains this round has still to go through, and chains not settled at all.
            let (to_go, open): (i64, i64) = client
                .query_one(
                    "SELECT count(*) FILTER (WHERE round_done < $2), count(*)
                     FROM estorno_chains WHERE run = $1 AND NOT settled",
                    &[&run, &round],
                )
                .map(|row| (row.get(0), row.get(1)))?;
            if to_go == 0 && open > 0 {
                // The round is over and rows are left: a new round. Whoever moves it on
                // first wins; the others read the new one.
                client.execute(
                    "UPDATE estorno_runs SET round = $2 + 1 WHERE id = $1 AND round = $2",
                    &[&run, &round],
                )?;
            }
            Ok(client
                .query_one("SELECT round FROM estorno_runs WHERE id = $1", &[&run])?
                .get(0))
        })
        .await
    }

    /// Claims up to `max` chains of `round` that nobody holds, the first after `after` (a
    /// chain's first row) unless there is none, and reads their rows. The claims are in the
    /// database before any row is read: a worker that dies now leaves leases that run out.
    pub async fn claim(
        &self,
        max: usize,
        after: i64,
        round: i64,
    ) -> Result<Vec<Claimed>, JournalError> {
        let (run, worker, lease_ms) = (self.run, self.worker.clone(), self.lease_ms);
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let claimed = self
            .query(move |client| {
                let claim = "WITH picked AS (
                        SELECT run, id FROM estorno_chains
                        WHERE run = $1 AND NOT settled AND round_done < $2 AND first_row > $3
                          AND (lease_until IS NULL OR lease_until < now())
                        ORDER BY first_row LIMIT $4 FOR UPDATE SKIP LOCKED)
                     UPDATE estorno_chains c SET lease_owner = $5,
                            lease_token = nextval('estorno_lease_tokens'),
                            lease_until = now() + $6::bigint * interval '1 millisecond'
                     FROM picked WHERE c.run = picked.run AND c.id = picked.id
                     RETURNING c.id, c.lease_token";
                let mut rows =
                    client.query(claim, &[&run, &round, &after, &max, &worker, &lease_ms])?;
                if rows.is_empty() && after > 0 {
                    // From the top again: a dead worker's chains may lie behind.
                    rows =
                        client.query(claim, &[&run, &round, &0_i64, &max, &worker, &lease_ms])?;
                }
                let chains: Vec<(i64, i64)> =
                    rows.iter().map(|row| (row.get(0), row.get(1))).collect();
                if chains.is_empty() {
                    return Ok((chains, Vec::new()));
                }
                let ids: Vec<i64> = chains.iter().map(|(chain, _)| *chain).collect();
                let items = client.query(
                    &format!(
                        "SELECT {ITEM_COLUMNS}, chain FROM estorno_items
                         WHERE run = $1 AND chain = ANY($2) ORDER BY line"
                    ),
                    &[&run, &ids],
                )?;
                Ok((chains, items))
            })
            .await?;
        let (chains, rows) = claimed;
        let mut claims: Vec<Claimed> = chains
            .into_iter()
            .map(|(chain, token)| Claimed {
                chain,
                token,
                items: Vec::new(),
            })
            .collect();
        let mut held = held(&self.held);
        for row in &rows {
            let chain: i64 = row.get(25);
            let item = read_item(row).map_err(|reason| JournalError::Unusable {
                path: self.location.clone().into(),
                reason,
            })?;
            if let Some(claim) = claims.iter_mut().find(|claim| claim.chain == chain) {
                held.insert(item.row, (chain, claim.token));
                claim.items.push(item);
            }
        }
        Ok(claims)
    }

    /// The rows of a chain this worker holds, as the journal has them now.
    pub async fn chain_items(&self, chain: i64) -> Result<Vec<Item>, JournalError> {
        let run = self.run;
        let rows = self
            .query(move |client| {
                client.query(
                    &format!(
                        "SELECT {ITEM_COLUMNS} FROM estorno_items
                         WHERE run = $1 AND chain = $2 ORDER BY line"
                    ),
                    &[&run, &chain],
                )
            })
            .await?;
        rows.iter()
            .map(read_item)
            .collect::<Result<_, _>>()
            .map_err(|reason| JournalError::Unusable {
                path: self.location.clone().into(),
                reason,
            })
    }

    /// Lets go of a chain once this round is through with it (its writes are committed):
    /// settled if every row is final, else open for the next round.
    pub async fn release(&self, chain: i64, token: i64, round: i64) -> Result<(), JournalError> {
        let run = self.run;
        self.query(move |client| {
            client.execute(
                &format!(
                    "UPDATE estorno_chains SET lease_owner = NULL, lease_until = NULL,
                            round_done = $4,
                            settled = NOT EXISTS (SELECT 1 FROM estorno_items i
                                WHERE i.run = $1 AND i.chain = $2 AND i.state NOT IN {FINAL})
                     WHERE run = $1 AND id = $2 AND lease_token = $3"
                ),
                &[&run, &chain, &token, &round],
            )
        })
        .await?;
        held(&self.held).retain(|_, (held_chain, _)| *held_chain != chain);
        Ok(())
    }

    /// Extends every lease this worker holds by a lease's length; returns how many.
    pub async fn renew(&self) -> Result<u64, JournalError> {
        let (run, worker, lease_ms) = (self.run, self.worker.clone(), self.lease_ms);
        self.query(move |client| {
            client.execute(
                "UPDATE estorno_chains SET lease_until = now() + $3::bigint * interval '1 millisecond'
                 WHERE run = $1 AND lease_owner = $2 AND lease_until IS NOT NULL",
                &[&run, &worker, &lease_ms],
            )
        })
        .await
    }

    /// What is left of `round`.
    pub async fn round_state(&self, round: i64) -> Result<RoundState, JournalError> {
        let run = self.run;
        self.query(move |client| {
            let row = client.query_one(
                "SELECT count(*) FILTER (WHERE lease_until IS NULL OR lease_until < now()),
                        count(*) FILTER (WHERE lease_until >= now())
                 FROM estorno_chains WHERE run = $1 AND NOT settled AND round_done < $2",
                &[&run, &round],
            )?;
            Ok(RoundState {
                claimable: row.get(0),
                held: row.get(1),
            })
        })
        .await
    }

    /// The run's rows not final yet, and the providers they are for.
    pub async fn open_work(&self) -> Result<(u64, Vec<String>), JournalError> {
        let run = self.run;
        self.query(move |client| {
            let rows = client.query(
                &format!(
                    "SELECT provider, count(*) FROM estorno_items
                     WHERE run = $1 AND state NOT IN {FINAL} GROUP BY provider ORDER BY provider"
                ),
                &[&run],
            )?;
            let open = rows.iter().map(|row| row.get::<_, i64>(1)).sum::<i64>();
            let providers = rows.iter().map(|row| row.get(0)).collect();
            Ok((u64::try_from(open).unwrap_or(0), providers))
        })
        .await
    }

    /// Takes up to `want` of `provider`'s shared rate tokens: how many it got, or, when none
    /// is due yet, how long until one is.
    pub async fn take_tokens(
        &self,
        provider: String,
        want: u32,
    ) -> Result<Result<u32, Duration>, JournalError> {
        let run = self.run;
        let want = f64::from(want);
        self.query(move |client| {
            let row = client.query_opt(
                "WITH bucket AS (
                    SELECT LEAST(GREATEST(per_second, 1.0), tokens + per_second *
                               GREATEST(EXTRACT(EPOCH FROM clock_timestamp() - refilled_at)::float8, 0))
                               AS available,
                           per_second
                    FROM estorno_rates WHERE run = $1 AND provider = $2 FOR UPDATE),
                 granted AS (
                    SELECT available, per_second, GREATEST(LEAST(floor(available), $3), 0) AS n
                    FROM bucket)
                 UPDATE estorno_rates r SET tokens = granted.available - granted.n,
                        refilled_at = clock_timestamp()
                 FROM granted WHERE r.run = $1 AND r.provider = $2
                 RETURNING granted.n, granted.available, granted.per_second",
                &[&run, &provider, &want],
            )?;
            Ok(match row {
                // No bucket: the run has no rate for this provider.
                None => Ok(u32::MAX),
                Some(row) => {
                    let (granted, available, per_second): (f64, f64, f64) =
                        (row.get(0), row.get(1), row.get(2));
                    if granted >= 1.0 {
                        Ok(granted as u32)
                    } else {
                        Err(Duration::from_secs_f64(
                            ((1.0 - available) / per_second).clamp(0.001, 60.0),
                        ))
                    }
                }
            })
        })
        .await
    }
}

impl crate::rate::SharedTokens for Leases {
    fn take(
        &self,
        provider: String,
        want: u32,
    ) -> std::pin::Pin<Box<dyn Future<Output = crate::rate::Taken> + Send + '_>> {
        Box::pin(async move {
            match self.take_tokens(provider, want).await {
                Ok(taken) => taken,
                Err(error) => {
                    // The limit cannot be checked: wait, never go over it.
                    tracing::warn!(%error, "could not take from the shared rate limit");
                    Err(Duration::from_secs(1))
                }
            }
        })
    }
}
