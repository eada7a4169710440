//! The report of a bulk run: one line per row of the file, sorted by row, plus counts per
//! outcome. It is built from the journal alone and holds no timestamps or durations, so a run
//! that was killed and resumed reports byte for byte what an uninterrupted run reports, and
//! rerunning a finished journal prints the same report again.
//!
//! Columns: `row, provider, payment, requested, outcome, refunded, remaining, reference,
//! reason, resent`; amounts in integer cents; `resent` says who decided to send a row again
//! after it was unresolved — `operator` (`--resend-unresolved`), `key` (its idempotency key,
//! which the provider still keeps, made the same request safe), `proof` (the provider's
//! look-up proved it did not land) — and is empty otherwise. `reference` is the provider's id of the payment as its
//! status look-up reports it (the same however the row finished); the id of the cancellation
//! itself, when the provider answered one, is in the journal (`cancel_reference`). Nothing
//! here is a credential or personal data: ids, amounts, outcomes and the providers' reasons.
//!
//! Outcomes: `refunded`, `partially_refunded`, `voided` (sent by this run);
//! `already_refunded`, `already_voided` (nothing sent: already so); `would_refund` (dry run);
//! `rejected` (the provider refused, or it would have); `pending` (nothing sent: the payment is
//! pending at the provider, a cancellation may be under way); `failed` (nothing sent: an error);
//! `invalid` (a bad row); `review` (money moved, not as asked, or a look-up that cannot be
//! trusted); `acknowledged` (sent and accepted, not visible yet: never resent);
//! `unresolved` (sent, outcome unknown: never resent without an operator's decision);
//! `throttled`, `unavailable` (nothing sent: the provider answered 429, or was down; the next
//! run tries again); `not_sent` (waiting behind a row of the same payment that is in doubt, or
//! the provider could not be set up).

use std::fmt::Write as _;
use std::io;

use estorno::Cents;
use serde::Serialize;

use crate::exit;
use crate::journal::{Item, State};

/// Every outcome label, in the order the summary shows them.
pub const OUTCOMES: [&str; 16] = [
    "refunded",
    "partially_refunded",
    "voided",
    "already_refunded",
    "already_voided",
    "would_refund",
    "rejected",
    "pending",
    "failed",
    "invalid",
    "review",
    "acknowledged",
    "unresolved",
    "throttled",
    "unavailable",
    "not_sent",
];

/// Where the outcomes a person should look at start in [`OUTCOMES`] (`rejected`).
const ATTENTION_FROM: usize = 6;

/// Outcomes that are not finished and must not be sent again as they stand: exit 3.
const IN_DOUBT: [&str; 5] = [
    "acknowledged",
    "unresolved",
    "review",
    "pending",
    "not_sent",
];

/// Outcomes of rows for which nothing was sent and a later run tries again: exit 4.
const TRY_LATER: [&str; 2] = ["throttled", "unavailable"];

/// Outcomes whose requested amount was (or would be) refunded by this run.
const MOVES_MONEY: [&str; 4] = ["refunded", "partially_refunded", "voided", "would_refund"];

/// At most this many rows are listed under "rows to look at"; the report has them all.
const ATTENTION_LIMIT: usize = 40;

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub row: u64,
    pub provider: String,
    pub payment: String,
    pub requested: Option<u64>,
    pub outcome: String,
    pub refunded: Option<u64>,
    pub remaining: Option<u64>,
    pub reference: Option<String>,
    pub reason: Option<String>,
    /// `operator` when an operator decided to send this row again after it was unresolved.
    pub resent: Option<String>,
}

/// How many rows ended with one outcome, and the money they moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub outcome: &'static str,
    pub rows: u64,
    /// Cents refunded (or that would be, in a dry run) by these rows; 0 for the others.
    pub amount: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub rows: Vec<ReportRow>,
    pub counts: Vec<Count>,
    pub total: u64,
}

/// The outcome label of a journal item.
pub fn label(item: &Item) -> &'static str {
    let outcome = item.outcome.as_deref().unwrap_or("");
    match item.state {
        State::Done if item.already_done => {
            if outcome == "voided" {
                "already_voided"
            } else {
                "already_refunded"
            }
        }
        State::Done => OUTCOMES
            .iter()
            .find(|label| **label == outcome)
            .copied()
            .unwrap_or("refunded"),
        State::Failed if outcome == "rejected" => "rejected",
        State::Failed if outcome == "pending" => "pending",
        State::Failed => "failed",
        State::Invalid => "invalid",
        State::Review => "review",
        State::Unresolved => "unresolved",
        State::Acknowledged => "acknowledged",
        State::Pending if outcome == "throttled" => "throttled",
        State::Pending if outcome == "unavailable" => "unavailable",
        State::Pending | State::Sending => "not_sent",
    }
}

impl ReportRow {
    /// The report's line for a journal item.
    pub fn of(item: &Item) -> ReportRow {
        let reason = match item.state {
            State::Invalid => Some(format!(
                "`{}`: {}",
                item.field.as_deref().unwrap_or("row"),
                item.reason.as_deref().unwrap_or("invalid")
            )),
            State::Review => item.review.clone().or_else(|| item.reason.clone()),
            _ => item.reason.clone(),
        };
        ReportRow {
            row: item.row,
            provider: item.provider.clone(),
            payment: item.payment.clone(),
            requested: item.requested.or(item.amount),
            outcome: label(item).to_owned(),
            refunded: item.refunded,
            remaining: item.remaining,
            reference: item.reference.clone(),
            reason,
            resent: item.resent_by.map(|by| by.as_str().to_owned()),
        }
    }

    /// Every outcome from `rejected` on: nothing moved as asked, or not yet.
    fn needs_attention(&self) -> bool {
        OUTCOMES[ATTENTION_FROM..].contains(&self.outcome.as_str())
    }
}

/// What the summary and the exit code need of a report: its counts and the first rows to
/// look at. Built row by row, so a report of any size is summarised in a few kilobytes.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Rows and amount per outcome, in [`OUTCOMES`] order.
    per_outcome: [(u64, u64); OUTCOMES.len()],
    total: u64,
    attention: Vec<ReportRow>,
    attention_total: u64,
}

impl Tally {
    pub fn add(&mut self, row: &ReportRow) {
        self.total += 1;
        if let Some(index) = OUTCOMES.iter().position(|outcome| *outcome == row.outcome) {
            let (rows, amount) = &mut self.per_outcome[index];
            *rows += 1;
            if MOVES_MONEY.contains(&OUTCOMES[index]) {
                *amount += row.requested.unwrap_or(0);
            }
        }
        if row.needs_attention() {
            self.attention_total += 1;
            if self.attention.len() < ATTENTION_LIMIT {
                self.attention.push(row.clone());
            }
        }
    }

    /// The outcomes seen, with their rows and amounts.
    pub fn counts(&self) -> Vec<Count> {
        OUTCOMES
            .iter()
            .zip(self.per_outcome)
            .filter(|(_, (rows, _))| *rows > 0)
            .map(|(outcome, (rows, amount))| Count {
                outcome,
                rows,
                amount,
            })
            .collect()
    }

    /// The exit code the run ends with: 3 if anything is in doubt or waits for a person
    /// (acknowledged, unresolved, review, pending at the provider, not sent behind one of
    /// those), else 4 if anything could not be sent yet (throttled, unavailable: rerun later),
    /// else 1 if anything was rejected or failed, else 2 if any row was invalid, else 0.
    pub fn exit_code(&self) -> u8 {
        let any = |wanted: &[&str]| {
            OUTCOMES
                .iter()
                .zip(self.per_outcome)
                .any(|(outcome, (rows, _))| rows > 0 && wanted.contains(outcome))
        };
        if any(&IN_DOUBT) {
            exit::UNRESOLVED
        } else if any(&TRY_LATER) {
            exit::TRY_LATER
        } else if any(&["rejected", "failed"]) {
            exit::FAILED
        } else if any(&["invalid"]) {
            exit::INVALID
        } else {
            exit::OK
        }
    }

    /// The table people read: counts per outcome, then the rows that need attention.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<20} {:>6} {:>18}", "outcome", "rows", "amount");
        let mut moved = 0;
        for count in self.counts() {
            let amount = if MOVES_MONEY.contains(&count.outcome) {
                moved += count.amount;
                Cents::new(count.amount).to_string()
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:<20} {:>6} {:>18}",
                count.outcome, count.rows, amount
            );
        }
        let _ = writeln!(
            out,
            "{:<20} {:>6} {:>18}",
            "total",
            self.total,
            Cents::new(moved).to_string()
        );
        if !self.attention.is_empty() {
            let _ = writeln!(out, "\nrows to look at:");
            for row in &self.attention {
                let _ = writeln!(
                    out,
                    "  row {:<5} {:<17} {:<24} {:<11} {}",
                    row.row,
                    row.provider,
                    row.payment,
                    row.outcome,
                    row.reason.as_deref().unwrap_or("")
                );
            }
            let more = self.attention_total - self.attention.len() as u64;
            if more > 0 {
                let _ = writeln!(out, "  ... and {more} more in the report");
            }
        }
        out
    }
}

/// The form a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Writes a report as its rows arrive, in row order, holding none of them: CSV (a line per
/// row, a blank line, the counts) or JSON (`{"rows": [...], "counts": [...], "total": N}`,
/// pretty-printed, exactly as `serde_json` prints a [`Report`]).
pub struct ReportWriter<W: io::Write> {
    format: Format,
    out: W,
    rows: u64,
}

const CSV_HEADER: [&str; 10] = [
    "row",
    "provider",
    "payment",
    "requested",
    "outcome",
    "refunded",
    "remaining",
    "reference",
    "reason",
    "resent",
];

fn csv_error(error: csv::Error) -> io::Error {
    io::Error::other(error.to_string())
}

impl<W: io::Write> ReportWriter<W> {
    pub fn new(format: Format, mut out: W) -> io::Result<Self> {
        match format {
            Format::Csv => {
                let mut header = csv::Writer::from_writer(&mut out);
                header.write_record(CSV_HEADER).map_err(csv_error)?;
                header.flush()?;
            }
            Format::Json => out.write_all(b"{\n  \"rows\": [")?,
        }
        Ok(ReportWriter {
            format,
            out,
            rows: 0,
        })
    }

    pub fn add(&mut self, row: &ReportRow) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                let text =
                    |value: Option<u64>| value.map(|value| value.to_string()).unwrap_or_default();
                let mut line = csv::Writer::from_writer(&mut self.out);
                line.write_record([
                    row.row.to_string().as_str(),
                    &row.provider,
                    &row.payment,
                    &text(row.requested),
                    &row.outcome,
                    &text(row.refunded),
                    &text(row.remaining),
                    row.reference.as_deref().unwrap_or(""),
                    row.reason.as_deref().unwrap_or(""),
                    row.resent.as_deref().unwrap_or(""),
                ])
                .map_err(csv_error)?;
                line.flush()?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
                let pretty = serde_json::to_string_pretty(row).map_err(io::Error::other)?;
                indented(&mut self.out, &pretty, "    ", true)?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes the counts and closes the report; returns where it went.
    pub fn finish(mut self, tally: &Tally) -> io::Result<W> {
        let counts = tally.counts();
        match self.format {
            Format::Csv => {
                self.out.write_all(b"\n")?;
                let mut writer = csv::Writer::from_writer(&mut self.out);
                writer
                    .write_record(["outcome", "rows", "amount"])
                    .map_err(csv_error)?;
                for count in &counts {
                    writer
                        .write_record([
                            count.outcome,
                            &count.rows.to_string(),
                            &count.amount.to_string(),
                        ])
                        .map_err(csv_error)?;
                }
                writer
                    .write_record(["total", &tally.total.to_string(), ""])
                    .map_err(csv_error)?;
                writer.flush()?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"],\n" } else { b"\n  ],\n" })?;
                self.out.write_all(b"  \"counts\": ")?;
                let pretty = serde_json::to_string_pretty(&counts).map_err(io::Error::other)?;
                indented(&mut self.out, &pretty, "  ", false)?;
                write!(self.out, ",\n  \"total\": {}\n}}\n", tally.total)?;
            }
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `text`'s lines, each after `indent` (the first only if `first` says so).
fn indented(out: &mut impl io::Write, text: &str, indent: &str, first: bool) -> io::Result<()> {
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.write_all(b"\n")?;
        }
        if index > 0 || first {
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

impl Report {
    /// The report of these items (any order).
    pub fn from_items(items: &[Item]) -> Report {
        let mut items: Vec<&Item> = items.iter().collect();
        items.sort_by_key(|item| item.row);
        let rows: Vec<ReportRow> = items.iter().map(|item| ReportRow::of(item)).collect();
        let tally = Report::tally_of(&rows);
        Report {
            total: rows.len() as u64,
            rows,
            counts: tally.counts(),
        }
    }

    fn tally_of(rows: &[ReportRow]) -> Tally {
        let mut tally = Tally::default();
        for row in rows {
            tally.add(row);
        }
        tally
    }

    /// See [`Tally::exit_code`].
    pub fn exit_code(&self) -> u8 {
        Report::tally_of(&self.rows).exit_code()
    }

    fn write(&self, format: Format) -> Vec<u8> {
        // Writing to memory cannot fail.
        let written = ReportWriter::new(format, Vec::new()).and_then(|mut writer| {
            for row in &self.rows {
                writer.add(row)?;
            }
            writer.finish(&Report::tally_of(&self.rows))
        });
        written.unwrap_or_default()
    }

    /// The report as CSV: one line per row, then a blank line and the counts.
    pub fn to_csv(&self) -> Vec<u8> {
        self.write(Format::Csv)
    }

    /// The report as pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        String::from_utf8(self.write(Format::Json)).unwrap_or_default()
    }

    /// See [`Tally::summary`].
    pub fn summary(&self) -> String {
        Report::tally_of(&self.rows).summary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(row: u64, state: State, outcome: Option<&str>, already_done: bool) -> Item {
        Item {
            row,
            provider: "zoop".into(),
            payment: format!("t-{row}"),
            amount: Some(100),
            state,
            outcome: outcome.map(str::to_owned),
            already_done,
            requested: Some(100),
            ..Item::default()
        }
    }

    #[test]
    fn labels_counts_and_exit_codes() {
        let items = vec![
            item(5, State::Done, Some("refunded"), false),
            item(2, State::Done, Some("refunded"), true),
            item(3, State::Done, Some("voided"), true),
            item(4, State::Failed, Some("rejected"), false),
            Item {
                field: Some("amount".into()),
                reason: Some("is 0".into()),
                ..item(6, State::Invalid, None, false)
            },
        ];
        let report = Report::from_items(&items);
        let rows: Vec<u64> = report.rows.iter().map(|row| row.row).collect();
        assert_eq!(rows, [2, 3, 4, 5, 6], "sorted by row");
        let labels: Vec<&str> = report.rows.iter().map(|row| row.outcome.as_str()).collect();
        assert_eq!(
            labels,
            [
                "already_refunded",
                "already_voided",
                "rejected",
                "refunded",
                "invalid"
            ]
        );
        assert_eq!(report.rows[4].reason.as_deref(), Some("`amount`: is 0"));
        assert_eq!(
            report.counts[0],
            Count {
                outcome: "refunded",
                rows: 1,
                amount: 100
            }
        );
        assert_eq!(report.exit_code(), exit::FAILED);
        assert_eq!(Report::from_items(&items[..3]).exit_code(), exit::OK);
        let unresolved = [item(7, State::Unresolved, None, false)];
        assert_eq!(
            Report::from_items(&unresolved).exit_code(),
            exit::UNRESOLVED
        );
        // Accepted but not visible yet is in doubt too; a throttled row waits for a rerun,
        // and anything in doubt wins over it.
        let acknowledged = item(8, State::Acknowledged, Some("acknowledged"), false);
        let throttled = item(9, State::Pending, Some("throttled"), false);
        let unavailable = item(10, State::Pending, Some("unavailable"), false);
        assert_eq!(label(&acknowledged), "acknowledged");
        assert_eq!(label(&throttled), "throttled");
        assert_eq!(label(&unavailable), "unavailable");
        assert_eq!(
            Report::from_items(std::slice::from_ref(&acknowledged)).exit_code(),
            exit::UNRESOLVED
        );
        assert_eq!(
            Report::from_items(&[throttled.clone(), items[3].clone()]).exit_code(),
            exit::TRY_LATER
        );
        assert_eq!(
            Report::from_items(&[throttled, acknowledged]).exit_code(),
            exit::UNRESOLVED
        );

        let csv = String::from_utf8(report.to_csv()).unwrap();
        assert!(csv.starts_with("row,provider,payment,requested,outcome,refunded,remaining,reference,reason,resent\n2,zoop,t-2,100,already_refunded,,,,,\n"), "{csv}");
        assert!(csv.ends_with("\noutcome,rows,amount\nrefunded,1,100\nalready_refunded,1,0\nalready_voided,1,0\nrejected,1,0\ninvalid,1,0\ntotal,5,\n"), "{csv}");
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["total"], 5);
        assert_eq!(json["rows"][0]["outcome"], "already_refunded");
        assert!(report.summary().contains("R$ 1,00"));
    }

    #[test]
    fn a_streamed_json_report_is_what_serde_prints_of_the_whole_report() {
        let items = [
            item(2, State::Done, Some("refunded"), false),
            Item {
                reason: Some("the provider said \"no\"\nat all".into()),
                ..item(3, State::Failed, Some("rejected"), false)
            },
        ];
        for items in [&items[..], &items[..1], &[]] {
            let report = Report::from_items(items);
            let mut whole = serde_json::to_string_pretty(&report).unwrap();
            whole.push('\n');
            assert_eq!(report.to_json(), whole);
        }
    }
}
