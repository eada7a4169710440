//! The `estorno` binary, command by command: `providers`, `cancel`, `status`, `bulk` (bad
//! input, dry run, rerun, journal and report files) and `sandbox serve`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{Hosted, estorno, estorno_at, field_args, refundable, text, write};
use estorno::registry;
use estorno_sandbox::{DemoPayment, demo_payments};
use serde_json::Value;

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|error| panic!("{error}: {}", text(bytes)))
}

#[test]
fn providers_lists_each_provider_its_operations_and_variables_without_values() {
    let canary = "canary-zoop-key-8d1f";
    let output = estorno()
        .args(["providers"])
        .env("ESTORNO_ZOOP_API_KEY", canary)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(!stdout.contains(canary), "{stdout}");
    for entry in registry::ENTRIES {
        assert!(
            stdout.contains(&format!("({})", entry.spec.slug)),
            "{stdout}"
        );
        for endpoint in entry.spec.endpoints {
            assert!(stdout.contains(endpoint.path), "{}", endpoint.path);
        }
        for part in entry.credential_fields {
            let variable = estorno::ProviderConfig::env_var(entry.spec.slug, part);
            let line = stdout
                .lines()
                .find(|line| line.trim_start().starts_with(&variable))
                .unwrap_or_else(|| panic!("{variable} not listed:\n{stdout}"));
            let expected = if entry.spec.slug == "zoop" {
                "configured"
            } else {
                "missing"
            };
            assert!(line.ends_with(expected), "{line}");
        }
        assert!(stdout.contains(&format!(
            "ESTORNO_{}_TIMEOUT_SECS",
            entry.spec.slug.to_ascii_uppercase().replace('-', "_")
        )));
    }

    let output = estorno().args(["providers", "--json"]).output().unwrap();
    let catalogue = json(&output.stdout);
    assert!(
        catalogue["backend"]
            .as_str()
            .unwrap()
            .contains("embedded sandbox")
    );
    let providers = catalogue["providers"].as_array().unwrap();
    assert_eq!(providers.len(), registry::ENTRIES.len());
    for provider in providers {
        assert_eq!(provider["configured"], false);
        assert!(provider["partial"].is_boolean(), "{provider}");
        assert!(!provider["operations"].as_array().unwrap().is_empty());
        // Every provider says what an unknown outcome leaves to do: no proof for the seed
        // providers; a key kept for an undocumented time for Mercado Pago; for good for Efí.
        let resend = provider["resend_after_unknown"].as_str().unwrap();
        let settings = provider["settings"].to_string();
        if provider["slug"] == "mercado-pago" {
            assert!(
                resend
                    .starts_with("idempotency key, kept for a time the provider does not document"),
                "{provider}"
            );
        } else if provider["slug"] == "efi-pix" {
            assert!(
                resend.starts_with(
                    "idempotency key: resent with the same key, which the provider never forgets"
                ),
                "{provider}"
            );
            // Mutual TLS: the certificate's files are settings of their own.
            for suffix in [
                "CERTIFICATE",
                "CERTIFICATE_KEY",
                "PKCS12",
                "PKCS12_PASSPHRASE",
            ] {
                assert!(
                    settings.contains(&format!("\"ESTORNO_EFI_PIX_{suffix}\"")),
                    "{settings}"
                );
            }
        } else {
            assert!(resend.starts_with("no proof"), "{provider}");
            assert!(!settings.contains("PKCS12"), "{settings}");
        }
    }
    let zoop = providers
        .iter()
        .find(|provider| provider["slug"] == "zoop")
        .unwrap();
    assert_eq!(
        zoop["fields"],
        serde_json::json!([
            {"name": "marketplace_id", "total": "required", "partial": "required"},
            {"name": "on_behalf_of", "total": "required", "partial": "required"},
        ])
    );
    let ecommerce = providers
        .iter()
        .find(|provider| provider["slug"] == "picpay-ecommerce")
        .unwrap();
    assert_eq!(
        ecommerce["fields"],
        serde_json::json!([{"name": "authorizationId", "total": "optional", "partial": "required"}])
    );
    assert!(
        stdout.contains("  fields: authorizationId (optional in full, required in part)"),
        "{stdout}"
    );
}

#[test]
fn cancel_and_status_run_against_the_embedded_sandbox() {
    let charge = refundable("picpay-checkout");
    let amount = u64::try_from(charge.amount_cents).unwrap();
    let output = estorno()
        .args(["cancel", "picpay-checkout", &charge.payment_id])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("embedded sandbox"));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(&format!(
            "picpay-checkout {}: refunded\n",
            charge.payment_id
        )),
        "{stdout}"
    );
    let reais = estorno::Cents::new(amount).to_string();
    assert!(stdout.contains(&format!("requested  {reais}")), "{stdout}");
    assert!(stdout.contains("remaining  R$ 0,00"), "{stdout}");

    // A partial refund, as JSON: exact amounts.
    let output = estorno()
        .args([
            "cancel",
            "picpay-checkout",
            &charge.payment_id,
            "--amount",
            "150",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let result = json(&output.stdout);
    assert_eq!(result["outcome"], "partially_refunded");
    assert_eq!(result["requested"], 150);
    assert_eq!(result["refunded"], 150);
    assert_eq!(result["remaining"], amount - 150);
    assert_eq!(result["already_done"], false);

    // Status of an already refunded demo charge.
    let refunded = demo_payments()
        .into_iter()
        .find(|payment| payment.provider == "picpay-checkout" && payment.state == "REFUNDED")
        .unwrap();
    let output = estorno()
        .args(["status", "picpay-checkout", &refunded.payment_id, "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let result = json(&output.stdout);
    assert_eq!(result["outcome"], "refunded");
    assert_eq!(result["remaining"], 0);
    assert_eq!(result["refunded"], refunded.amount_cents);
    // Cancelling it sends nothing and says so.
    let output = estorno()
        .args(["cancel", "picpay-checkout", &refunded.payment_id, "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output.stdout)["already_done"], true);
}

#[test]
fn every_registered_provider_cancels_a_demo_payment_in_full() {
    // Simulating a newly registered provider in the sandbox is a separate step.
    for entry in registry::ENTRIES
        .iter()
        .filter(|entry| estorno_sandbox::Provider::from_slug(entry.spec.slug).is_some())
    {
        let slug = entry.spec.slug;
        let payment = refundable(slug);
        let mut args = vec![
            String::from("cancel"),
            slug.to_owned(),
            payment.payment_id.clone(),
        ];
        args.extend(field_args(&payment));
        args.push(String::from("--json"));
        let output = estorno().args(&args).output().unwrap();
        let result = json(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{slug}: {result}");
        let outcome = result["outcome"].as_str().unwrap();
        assert!(
            ["refunded", "voided"].contains(&outcome),
            "{slug}: {result}"
        );
        if let Some(remaining) = result["remaining"].as_u64() {
            assert_eq!(remaining, 0, "{slug}: {result}");
        }
    }
}

#[test]
fn single_commands_refuse_bad_input_with_exit_code_2() {
    let charge = refundable("picpay-checkout");
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "cancel",
                "picpay-checkout",
                &charge.payment_id,
                "--amount",
                "0",
            ],
            "amount",
        ),
        (
            &[
                "cancel",
                "picpay-checkout",
                &charge.payment_id,
                "--amount",
                "-5",
            ],
            "negative",
        ),
        (&["cancel", "stripe", "ch_1"], "unknown provider `stripe`"),
        (
            &["status", "picpay-checkout", "bad id!"],
            "merchantChargeId",
        ),
        (
            &[
                "cancel",
                "picpay-checkout",
                &charge.payment_id,
                "--field",
                "oops",
            ],
            "NAME=VALUE",
        ),
    ];
    for (args, words) in cases {
        let output = estorno().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(words), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    // With --json the error is JSON too.
    let output = estorno()
        .args([
            "cancel",
            "picpay-checkout",
            "x",
            "--amount",
            "1.5",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output.stdout)["error"]["field"], "amount");
}

#[test]
fn a_provider_without_credentials_is_an_error_when_others_have_them() {
    let output = estorno()
        .args(["status", "picpay-checkout", "demo-charge-0001"])
        .env("ESTORNO_ZOOP_API_KEY", "zpk_not_a_real_key")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("ESTORNO_PICPAY_CHECKOUT_CLIENT_ID"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("sandbox"),
        "never silently the sandbox: {stderr}"
    );
}

const HEADER: &str = "provider,payment,amount,marketplace_id\n";

#[test]
fn bad_rows_name_their_line_and_column_and_nothing_is_sent_for_them() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let valid = refundable("picpay-checkout");
    let rows = format!(
        "{HEADER}\
         picpay-checkout,{id},100,\n\
         picpay-checkout,{id},0,\n\
         picpay-checkout,{id},12.50,\n\
         picpay-checkout,,100,\n\
         stripe,ch_1,100,\n\
         picpay-checkout,{id}\n\
         picpay-checkout,bad id!,100,\n\
         picpay-checkout,{id},100,\n",
        id = valid.payment_id
    );
    let file = write(dir.path(), "refunds.csv", &rows);
    let output = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    for expected in [
        "row 3: `amount`: is 0",
        "row 4: `amount`: `12.50` is not a whole number of cents",
        "row 5: `payment`: is empty",
        "row 6: `provider`: unknown provider `stripe`",
        "row 7: `row`: the row has 2 fields, the header 4",
        "row 9: `row`: repeats row 2 exactly",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    // The invalid id is refused by the client before anything leaves: in the report.
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    assert!(
        report.contains("8,picpay-checkout,bad id!,100,invalid,,,,`payment`: path parameter `merchantChargeId` may only contain"),
        "{report}"
    );
    assert!(report.contains("\ninvalid,7,0\n"), "{report}");
    // Only the valid row reached the sandbox: one look-up, one refund, one effect.
    assert_eq!(hosted.count("picpay-checkout", "status"), 1);
    assert_eq!(hosted.count("picpay-checkout", "refund"), 1);
    assert_eq!(hosted.cancellations_sent(), 1);
    let ledger = hosted.sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].payment.as_str(), ledger[0].amount_cents),
        (valid.payment_id.as_str(), 100)
    );
}

#[test]
fn stderr_names_the_first_twenty_invalid_rows_and_counts_the_rest() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::from(HEADER);
    for n in 0..25 {
        rows.push_str(&format!("stripe,ch_{n},100,\n"));
    }
    let file = write(dir.path(), "refunds.csv", &rows);
    let output = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let named = stderr.matches("unknown provider `stripe`").count();
    assert_eq!(named, 20, "{stderr}");
    assert!(stderr.contains("row 21: `provider`"), "{stderr}");
    assert!(!stderr.contains("row 22: `provider`"), "{stderr}");
    assert!(
        stderr.contains("and 5 more invalid row(s), each in the report with its line and reason"),
        "{stderr}"
    );
    // Every one of them is in the report.
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    assert!(report.contains("\ninvalid,25,0\n"), "{report}");
    assert_eq!(hosted.cancellations_sent(), 0);
}

#[test]
fn more_invalid_rows_than_max_invalid_refuse_the_whole_file_and_send_nothing() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let valid = refundable("picpay-checkout");
    let mut rows = format!("{HEADER}picpay-checkout,{},100,\n", valid.payment_id);
    for n in 0..4 {
        rows.push_str(&format!("stripe,ch_{n},100,\n"));
    }
    let file = write(dir.path(), "refunds.csv", &rows);
    let bulk = |max_invalid: &str| {
        estorno_at(&hosted.url())
            .args(["bulk", file.to_str().unwrap(), "--quiet", "--max-invalid"])
            .arg(max_invalid)
            .output()
            .unwrap()
    };

    let refused = bulk("3");
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "refunds.csv: more than 3 rows are invalid (the first are named above), so nothing was loaded or sent; fix the file, or raise --max-invalid"
        ),
        "{stderr}"
    );
    // The three under the cap are named; the one past it stopped the load.
    for line in 3..=5 {
        assert!(
            stderr.contains(&format!(
                "row {line}: `provider`: unknown provider `stripe`"
            )),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("row 6:"), "{stderr}");
    assert_eq!(hosted.cancellations_sent(), 0);
    assert!(!dir.path().join("refunds.csv.report.csv").exists());

    // At the cap the file is taken: the valid row goes, the four invalid ones are reported.
    let taken = bulk("4");
    let stderr = text(&taken.stderr);
    assert_eq!(taken.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("more than"), "{stderr}");
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    assert!(report.contains("\ninvalid,4,0\n"), "{report}");
    assert_eq!(hosted.cancellations_sent(), 1);
}

#[test]
fn a_bad_header_stops_the_run_before_anything_is_sent() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    for (name, contents, words) in [
        ("empty.csv", "", "the file is empty"),
        ("nopayment.csv", "provider,amount\nzoop,100\n", "`payment`"),
        (
            "personal.csv",
            "provider,payment,amount,customer_email\n",
            "personal data",
        ),
    ] {
        let file = write(dir.path(), name, contents);
        let output = estorno_at(&hosted.url())
            .args(["bulk", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(
            text(&output.stderr).contains(words),
            "{name}: {}",
            text(&output.stderr)
        );
        let journal = dir.path().join(format!("{name}.journal.sqlite"));
        assert!(
            !journal.exists(),
            "{name}: no journal for a file that cannot run"
        );
    }
    assert_eq!(hosted.all_requests(), 0);
}

#[test]
fn a_dry_run_sends_no_cancellation() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let charge = refundable("picpay-checkout");
    let rows = format!(
        "{HEADER}picpay-checkout,{id},100,\npicpay-checkout,{id},,\npicpay-checkout,demo-charge-0015,,\n",
        id = charge.payment_id
    );
    let file = write(dir.path(), "refunds.csv", &rows);
    // The dry run's scratch journal lives in the temporary directory, and goes with the run.
    let temporary = tempfile::tempdir().unwrap();
    let output = estorno_at(&hosted.url())
        .env("TMPDIR", temporary.path())
        .args(["bulk", file.to_str().unwrap(), "--dry-run", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read_dir(temporary.path()).unwrap().count(),
        0,
        "the scratch journal is removed"
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report = json(&output.stdout);
    let outcomes: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["would_refund", "would_refund", "already_refunded"]
    );
    // The second row would refund what the first leaves.
    assert_eq!(
        report["rows"][1]["requested"].as_u64().unwrap(),
        u64::try_from(charge.refundable_cents).unwrap() - 100
    );
    assert_eq!(hosted.cancellations_sent(), 0);
    assert!(hosted.sandbox.ledger().is_empty());
    assert!(
        !dir.path().join("refunds.csv.journal.sqlite").exists(),
        "no journal"
    );
    assert!(
        !dir.path().join("refunds.csv.report.csv").exists(),
        "no report unless asked"
    );
}

/// A small file with every kind of row: total, partial, two partials, already refunded,
/// rejected, invalid.
fn mixed_file() -> String {
    let mut rows = String::from(HEADER);
    let charges: Vec<DemoPayment> = demo_payments()
        .into_iter()
        .filter(|payment| payment.provider == "picpay-checkout")
        .take(20)
        .collect();
    for (index, charge) in charges.iter().enumerate() {
        let amount = match index % 3 {
            0 => String::new(),
            _ => (charge.refundable_cents / 3).max(1).to_string(),
        };
        rows.push_str(&format!(
            "picpay-checkout,{},{amount},\n",
            charge.payment_id
        ));
    }
    rows.push_str("picpay-checkout,demo-charge-0002,5,\npicpay-checkout,demo-charge-0003,0,\n");
    rows
}

#[test]
fn rerunning_a_finished_journal_sends_nothing_and_prints_the_same_report() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "refunds.csv", &mixed_file());
    let run = || {
        estorno_at(&hosted.url())
            .args(["bulk", file.to_str().unwrap(), "--quiet"])
            .output()
            .unwrap()
    };
    let first = run();
    let report_path = dir.path().join("refunds.csv.report.csv");
    let report = std::fs::read(&report_path).unwrap();
    let requests = hosted.all_requests();
    let ledger = hosted.sandbox.ledger();
    assert!(!ledger.is_empty());

    let second = run();
    assert_eq!(first.status.code(), second.status.code());
    assert_eq!(text(&first.stdout), text(&second.stdout));
    assert_eq!(std::fs::read(&report_path).unwrap(), report);
    assert_eq!(hosted.all_requests(), requests, "not even a look-up");
    assert_eq!(hosted.sandbox.ledger(), ledger);

    // `--resume` says the same.
    let third = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet", "--resume"])
        .output()
        .unwrap();
    assert_eq!(text(&third.stdout), text(&first.stdout));
    assert_eq!(hosted.all_requests(), requests);
}

#[test]
fn a_journal_is_refused_for_another_file_or_another_backend() {
    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "refunds.csv", &mixed_file());
    estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let requests = hosted.all_requests();

    // The same journal against the embedded sandbox instead.
    let output = estorno()
        .args(["bulk", file.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("was written against"),
        "{}",
        text(&output.stderr)
    );

    // The file changed.
    std::fs::write(
        &file,
        format!("{}picpay-checkout,demo-charge-0009,1,\n", mixed_file()),
    )
    .unwrap();
    let output = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("another version of this file"));
    assert_eq!(hosted.all_requests(), requests);

    // --resume without a journal.
    let output = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--resume", "--journal"])
        .arg(dir.path().join("none.sqlite"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("there is no journal"));
}

#[cfg(unix)]
#[test]
fn journal_and_report_are_private_and_hold_no_credentials_or_personal_data() {
    use estorno_sandbox::credentials;
    use std::os::unix::fs::PermissionsExt;

    let hosted = Hosted::start();
    let dir = tempfile::tempdir().unwrap();
    // Rows of every registered provider, so every kind of credential is used.
    let mut rows = String::from(
        "provider,payment,amount,authorizationId,codigoEstabelecimento,marketplace_id,on_behalf_of\n",
    );
    for entry in registry::ENTRIES {
        for payment in demo_payments()
            .into_iter()
            .filter(|payment| payment.provider == entry.spec.slug)
            .take(20)
        {
            let text = |value: &Option<String>| value.clone().unwrap_or_default();
            rows.push_str(&format!(
                "{},{},,{},{},{},{}\n",
                payment.provider,
                payment.payment_id,
                text(&payment.authorization_id),
                text(&payment.establishment),
                text(&payment.marketplace_id),
                text(&payment.on_behalf_of)
            ));
        }
    }
    let file = write(dir.path(), "refunds.csv", &rows);
    let json_report = dir.path().join("report.json");
    let output = estorno_at(&hosted.url())
        .args(["bulk", file.to_str().unwrap(), "--quiet", "--report"])
        .arg(&json_report)
        .output()
        .unwrap();
    assert!(output.status.code().is_some(), "{}", text(&output.stderr));
    assert!(hosted.cancellations_sent() > 0);

    let secrets = [
        credentials::PICPAY_ECOMMERCE_TOKEN,
        credentials::YAPAY_USER,
        credentials::YAPAY_PASSWORD,
        credentials::PICPAY_CHECKOUT_CLIENT_ID,
        credentials::PICPAY_CHECKOUT_CLIENT_SECRET,
        credentials::LIQUIDO_CLIENT_ID,
        credentials::LIQUIDO_CLIENT_SECRET,
        credentials::LIQUIDO_API_KEY,
        credentials::ZOOP_API_KEY,
        // Access tokens the sandbox issues.
        "sbx_",
        // The sandbox's (fake) payers: names, e-mail domain, a district.
        "Thiago Gabriel",
        "Mariana Costa",
        "Joao Pereira",
        "Ana Beatriz Lima",
        "@example.com",
        "Jardim Gaivotas",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path == file {
            continue;
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        let contents = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(
                !contents.contains(secret),
                "{} holds {secret}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 2, "journal and report");
    assert!(dir.path().join("refunds.csv.journal.sqlite").exists());
    let report: Value = serde_json::from_slice(&std::fs::read(&json_report).unwrap()).unwrap();
    assert_eq!(report["total"], rows.lines().count() - 1);
}

#[test]
fn a_refund_whose_answer_is_lost_is_reconciled_not_sent_again() {
    use estorno_sandbox::{Fault, FaultKind};

    let hosted = Hosted::start();
    let charge = refundable("picpay-checkout");
    hosted.sandbox.inject(
        Fault::new("picpay-checkout", "refund", FaultKind::ApplyThenTimeout)
            .payment(charge.payment_id.clone())
            .times(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "refunds.csv",
        &format!("{HEADER}picpay-checkout,{},,\n", charge.payment_id),
    );
    let output = estorno_at(&hosted.url())
        .env("ESTORNO_PICPAY_CHECKOUT_TIMEOUT_SECS", "1")
        .args(["bulk", file.to_str().unwrap(), "--quiet", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report = json(&output.stdout);
    assert_eq!(report["rows"][0]["outcome"], "refunded");
    assert_eq!(report["rows"][0]["remaining"], 0);
    assert_eq!(hosted.count("picpay-checkout", "refund"), 1, "sent once");
    assert_eq!(hosted.sandbox.ledger().len(), 1);
}

#[test]
fn bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "refunds.csv", &mixed_file());
    for (args, words) in [
        (vec!["--rate", "stripe=5/s"], "unknown provider `stripe`"),
        (vec!["--rate", "zoop=fast"], "not a rate"),
        (vec!["--report", "out.txt"], ".csv or .json"),
        (vec!["--concurrency", "0"], "0"),
    ] {
        let output = estorno()
            .args(["bulk", file.to_str().unwrap()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(words),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert!(!dir.path().join("refunds.csv.journal.sqlite").exists());
}

#[test]
fn sandbox_serve_prints_each_base_url_and_serves_them() {
    let mut child = std::process::Command::new(common::BIN)
        .args(["sandbox", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("estorno sandbox listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let listed: Vec<String> = lines
        .by_ref()
        .take(estorno_sandbox::Provider::ALL.len())
        .map(Result::unwrap)
        .collect();
    for provider in estorno_sandbox::Provider::ALL {
        let slug = provider.slug();
        assert!(
            listed
                .iter()
                .any(|line| line.contains(&format!("{url}/{slug}"))),
            "{slug}: {listed:?}"
        );
    }
    let output = estorno_at(&url)
        .args(["status", "picpay-checkout", "demo-charge-0001", "--json"])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains(&format!("the sandbox at {url}")));
    assert_eq!(json(&output.stdout)["outcome"], "active");
}
