//! Wall-clock time and the providers' own date formats, without a date-time dependency.
//!
//! The providers disagree on how to write a time: PicPay Checkout and Zoop use ISO 8601 with an
//! offset, Liquido writes `2022-06-02 11:45:44 GMT+08:00`, and Yapay's `dataAprovacaoOperadora`
//! comes as `24/05/2017` or `2018-01-03 13:02:53`. Each formatter below produces one of them from
//! Unix seconds, so every body carries the format its provider documents.

use std::time::{SystemTime, UNIX_EPOCH};

/// Brasília time, the offset PicPay and Yapay use in their examples.
pub(crate) const BRT: i64 = -3 * 3600;
/// Liquido's examples are written in GMT+08:00 (its Singapore back office).
pub(crate) const LIQUIDO_TZ: i64 = 8 * 3600;

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A broken-down civil time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Converts Unix seconds plus an offset into a civil date (Howard Hinnant's `civil_from_days`).
fn civil(unix: i64, offset: i64) -> Civil {
    let local = unix + offset;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// Unix seconds of a UTC civil time (Howard Hinnant's `days_from_civil`), to check the formatters
/// and the seed date against known instants.
#[cfg(test)]
pub(crate) fn unix_from_utc(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hour * 3600 + minute * 60
}

fn offset_text(offset: i64) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// ISO 8601 with a numeric offset: `2022-05-01T16:00:00-03:00`.
pub(crate) fn iso_offset(unix: i64, offset: i64) -> String {
    let c = civil(unix, offset);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        offset_text(offset)
    )
}

/// UTC with milliseconds and `Z`, as Efí writes its times: `2020-09-11T15:25:59.000Z`.
pub(crate) fn iso_utc_millis(unix: i64) -> String {
    let c = civil(unix, 0);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `202009111525`: the date and minute in UTC, as Pix ids embed them.
pub(crate) fn compact_utc_minutes(unix: i64) -> String {
    let c = civil(unix, 0);
    format!(
        "{:04}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// Liquido's `2022-06-02 11:45:44 GMT+08:00`.
pub(crate) fn liquido(unix: i64) -> String {
    let c = civil(unix, LIQUIDO_TZ);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} GMT{}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        offset_text(LIQUIDO_TZ)
    )
}

/// Yapay's short Brazilian date, `24/05/2017`.
pub(crate) fn yapay_date(unix: i64) -> String {
    let c = civil(unix, BRT);
    format!("{:02}/{:02}/{:04}", c.day, c.month, c.year)
}

/// Yapay's long form, `2018-01-03 13:02:53`, also used by Zoop's history entries.
pub(crate) fn plain_datetime(unix: i64, offset: i64) -> String {
    let c = civil(unix, offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 3339 in UTC with milliseconds, for the ledger.
pub(crate) fn rfc3339_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let c = civil(secs, 0);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_the_providers_examples() {
        // 2022-06-02 03:45:44 UTC is 11:45:44 in GMT+08:00, the Liquido seed's createTime.
        let t = unix_from_utc(2022, 6, 2, 3, 45) + 44;
        assert_eq!(liquido(t), "2022-06-02 11:45:44 GMT+08:00");
        assert_eq!(iso_offset(t, BRT), "2022-06-02T00:45:44-03:00");
        assert_eq!(iso_offset(t, 0), "2022-06-02T03:45:44+00:00");
        assert_eq!(yapay_date(unix_from_utc(2017, 5, 24, 12, 0)), "24/05/2017");
        assert_eq!(
            plain_datetime(unix_from_utc(2018, 1, 3, 16, 2) + 53, BRT),
            "2018-01-03 13:02:53"
        );
    }

    #[test]
    fn leap_days_and_epoch() {
        assert_eq!(unix_from_utc(1970, 1, 1, 0, 0), 0);
        let t = unix_from_utc(2024, 2, 29, 23, 59);
        assert_eq!(iso_offset(t, 0), "2024-02-29T23:59:00+00:00");
        assert_eq!(iso_offset(t + 60, 0), "2024-03-01T00:00:00+00:00");
    }
}
