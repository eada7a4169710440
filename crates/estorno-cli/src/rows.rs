//! Reading a bulk refund file: a CSV with a header row, one refund per row.
//!
//! Columns: `provider`, `payment`, `amount` (integer cents; empty = cancel in full), then
//! provider fields (`authorizationId`, `codigoEstabelecimento`, `marketplace_id`,
//! `on_behalf_of`, ...) passed to the provider when non-empty. A column that is no declared
//! field of any provider is refused, so personal data (a `cpf`, a `customerName` column) never
//! reaches the journal; a non-empty cell must be a field of its own row's provider.
//!
//! Values are taken exactly as written: an id with spaces around it is refused, never trimmed
//! (a payment id is matched byte for byte by the provider), and an amount is plain digits
//! (`+5`, ` 5`, `5.00` are refused), the same rules `estorno cancel` applies to its arguments.
//!
//! Every row is checked before anything is sent: the whole request it stands for passes the
//! provider's declared rules (`Cancel::check`). A problem with the header stops the whole run;
//! a problem with a row makes that row invalid — named by its line in the file and the column
//! at fault — and the other rows still run.

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use sha2::{Digest, Sha256};

/// The columns every file has (`amount` may be left out: every row is then a total cancel).
pub const PROVIDER: &str = "provider";
pub const PAYMENT: &str = "payment";
pub const AMOUNT: &str = "amount";

/// A valid row: one refund to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based line in the file where the row starts.
    pub line: u64,
    pub provider: String,
    pub payment: String,
    /// Cents to refund, or `None` to cancel what remains.
    pub amount: Option<u64>,
    /// Provider fields, non-empty ones only, by column name.
    pub fields: BTreeMap<String, String>,
}

/// A row refused before anything was sent, with what could be read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    pub line: u64,
    pub provider: String,
    pub payment: String,
    pub amount: Option<u64>,
    pub fields: BTreeMap<String, String>,
    /// The column at fault, or `row` for the row as a whole.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for InvalidRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: `{}`: {}", self.line, self.field, self.reason)
    }
}

/// One row of the file, valid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Valid(Row),
    Invalid(InvalidRow),
}

impl Parsed {
    /// The row's line in the file.
    pub fn line(&self) -> u64 {
        match self {
            Parsed::Valid(row) => row.line,
            Parsed::Invalid(row) => row.line,
        }
    }
}

/// A problem that makes the whole file unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "the file is empty: its first line must name the columns (provider,payment,amount,...)"
    )]
    Empty,
    #[error("line {line}: {reason}")]
    Header { line: u64, reason: String },
    #[error("line {line}: the file cannot be read as CSV: {reason}")]
    Csv { line: u64, reason: String },
}

/// The hex SHA-256 of the file at `path`, read as a stream, and its size.
pub fn fingerprint_file(path: &std::path::Path) -> io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut bytes = 0;
    loop {
        let read = match io::Read::read(&mut file, &mut buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            read => read?,
        };
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok((sha256, bytes))
}

/// The hex SHA-256 of a file's bytes.
pub fn fingerprint(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What a row must pass besides its own shape: its provider is configured, and the request it
/// stands for meets the provider's declared rules. Answers the column at fault and why.
pub type ProviderCheck<'a> = dyn Fn(&Row) -> Result<(), (String, String)> + 'a;

/// Every column a bulk file may have: the three of its own and every provider's declared
/// fields.
pub fn known_columns() -> Vec<&'static str> {
    let mut known = vec![PROVIDER, PAYMENT, AMOUNT];
    for entry in estorno::registry::ENTRIES {
        for field in entry.spec.cancel.iter().flat_map(|cancel| cancel.fields) {
            if !known.contains(&field.name) {
                known.push(field.name);
            }
        }
    }
    known
}

/// The rows of a bulk file, read one at a time: only the row being read is in memory.
pub struct Reader<R: io::Read, B: io::BufRead> {
    csv: csv::Reader<R>,
    record: csv::ByteRecord,
    lines: Lines<B>,
    columns: Columns,
}

impl Reader<std::fs::File, io::BufReader<std::fs::File>> {
    /// Opens the file at `path` and reads its header; the second handle counts its lines.
    pub fn open(path: &std::path::Path) -> io::Result<Result<Self, FileError>> {
        let data = std::fs::File::open(path)?;
        let copy = io::BufReader::new(std::fs::File::open(path)?);
        Ok(Reader::new(data, copy))
    }
}

impl<R: io::Read, B: io::BufRead> Reader<R, B> {
    /// Reads the header from `data`; `copy` is the same bytes again, read alongside to name
    /// each row's line.
    pub fn new(data: R, copy: B) -> Result<Self, FileError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        let mut record = csv::ByteRecord::new();
        let mut lines = Lines::new(copy);
        let header_line = match csv.read_byte_record(&mut record) {
            Ok(true) => lines.of(&record),
            Ok(false) => return Err(FileError::Empty),
            Err(error) => return Err(lines.error(&error)),
        };
        let columns = header(&record, header_line)?;
        Ok(Reader {
            csv,
            record,
            lines,
            columns,
        })
    }

    /// The next row, checked by itself and against its provider (`check_provider`); `None`
    /// at the end of the file.
    pub fn next_row(
        &mut self,
        check_provider: &ProviderCheck<'_>,
    ) -> Option<Result<Parsed, FileError>> {
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(error) => return Some(Err(self.lines.error(&error))),
        }
        let line = self.lines.of(&self.record);
        Some(Ok(match row(&self.record, line, &self.columns) {
            Err(invalid) => Parsed::Invalid(*invalid),
            Ok(row) => checked(row, check_provider),
        }))
    }
}

/// The columns, by position.
#[derive(Debug)]
struct Columns {
    names: Vec<String>,
    provider: usize,
    payment: usize,
    amount: Option<usize>,
}

fn header(record: &csv::ByteRecord, line: u64) -> Result<Columns, FileError> {
    let fail = |reason: String| FileError::Header { line, reason };
    let mut names = Vec::with_capacity(record.len());
    for (index, raw) in record.iter().enumerate() {
        let name = std::str::from_utf8(raw)
            .map_err(|_| fail(format!("column {} of the header is not UTF-8", index + 1)))?;
        // A spreadsheet may save a byte-order mark before the first column name.
        let name = name.trim_start_matches('\u{feff}').trim();
        if name.is_empty() {
            return Err(fail(format!(
                "column {} of the header has no name",
                index + 1
            )));
        }
        if names.iter().any(|seen: &String| seen == name) {
            return Err(fail(format!("the header names `{name}` twice")));
        }
        let known = known_columns();
        if !known.contains(&name) {
            return Err(fail(format!(
                "column `{name}` is not a field of any provider; a bulk file holds `{PROVIDER}`, \
                 `{PAYMENT}`, `{AMOUNT}` and the providers' fields ({}), never personal data",
                known[3..]
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        names.push(name.to_owned());
    }
    let find = |wanted: &str| names.iter().position(|name| name == wanted);
    let (Some(provider), Some(payment)) = (find(PROVIDER), find(PAYMENT)) else {
        return Err(fail(format!(
            "the header must name the columns `{PROVIDER}` and `{PAYMENT}` (and usually \
             `{AMOUNT}`), found: {}",
            names.join(",")
        )));
    };
    let amount = find(AMOUNT);
    Ok(Columns {
        names,
        provider,
        payment,
        amount,
    })
}

fn row(record: &csv::ByteRecord, line: u64, columns: &Columns) -> Result<Row, Box<InvalidRow>> {
    // What could be read so far, for the report of an invalid row.
    let mut partial = Box::new(InvalidRow {
        line,
        provider: String::new(),
        payment: String::new(),
        amount: None,
        fields: BTreeMap::new(),
        field: String::from("row"),
        reason: String::new(),
    });
    let text = |index: usize| -> Option<Result<&str, ()>> {
        record
            .get(index)
            .map(|raw| std::str::from_utf8(raw).map_err(|_| ()))
    };
    // Whatever else is wrong, say which of the row's ids could be read.
    if let Some(Ok(provider)) = text(columns.provider) {
        partial.provider = provider.to_owned();
    }
    if let Some(Ok(payment)) = text(columns.payment) {
        partial.payment = payment.to_owned();
    }
    if record.len() != columns.names.len() {
        partial.reason = format!(
            "the row has {} fields, the header {}: a missing or extra comma? (quote values that \
             contain commas)",
            record.len(),
            columns.names.len()
        );
        return Err(partial);
    }
    let mut values = Vec::with_capacity(record.len());
    for (index, name) in columns.names.iter().enumerate() {
        match text(index) {
            Some(Ok(value)) => values.push(value),
            _ => {
                partial.field = name.clone();
                partial.reason = String::from("is not valid UTF-8 text");
                return Err(partial);
            }
        }
    }
    let invalid = |mut partial: Box<InvalidRow>, field: &str, reason: String| {
        partial.field = field.to_owned();
        partial.reason = reason;
        Err(partial)
    };
    let provider = values[columns.provider];
    if provider.is_empty() {
        return invalid(
            partial,
            PROVIDER,
            String::from("is empty: name the provider"),
        );
    }
    let payment = values[columns.payment];
    if payment.is_empty() {
        return invalid(
            partial,
            PAYMENT,
            String::from("is empty: every row needs the payment's id"),
        );
    }
    let amount = match columns.amount.map(|index| parse_amount(values[index])) {
        None => None,
        Some(Ok(amount)) => amount,
        Some(Err(reason)) => return invalid(partial, AMOUNT, reason),
    };
    partial.amount = amount;
    let fields: BTreeMap<String, String> = columns
        .names
        .iter()
        .zip(&values)
        .enumerate()
        .filter(|(index, (_, value))| {
            ![columns.provider, columns.payment].contains(index)
                && Some(*index) != columns.amount
                && !value.is_empty()
        })
        .map(|(_, (name, value))| (name.clone(), (*value).to_owned()))
        .collect();
    Ok(Row {
        line,
        provider: provider.to_owned(),
        payment: payment.to_owned(),
        amount,
        fields,
    })
}

fn refused(row: Row, field: &str, reason: String) -> Parsed {
    Parsed::Invalid(InvalidRow {
        line: row.line,
        provider: row.provider,
        payment: row.payment,
        amount: row.amount,
        fields: row.fields,
        field: field.to_owned(),
        reason,
    })
}

/// The checks of a row against its provider.
fn checked(row: Row, check_provider: &ProviderCheck<'_>) -> Parsed {
    match check_provider(&row) {
        Err((field, reason)) => refused(row, &field, reason),
        Ok(()) => Parsed::Valid(row),
    }
}

/// Why a row that repeats row `first` exactly is refused: this, the row, and
/// [`DUPLICATE_AFTER`] (journals compose it in SQL).
pub const DUPLICATE_BEFORE: &str = "repeats row ";
pub const DUPLICATE_AFTER: &str = " exactly; a second refund of the same payment and amount \
     is refused unless --allow-duplicates";

/// Why a row that repeats row `first` exactly is refused.
pub fn duplicate_reason(first: u64) -> String {
    format!("{DUPLICATE_BEFORE}{first}{DUPLICATE_AFTER}")
}

/// An amount column: empty is a total cancel; otherwise a positive whole number of cents,
/// written as plain digits (no sign, no spaces, no decimal point).
pub fn parse_amount(text: &str) -> Result<Option<u64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let shown = if text.chars().count() > 24 {
        format!("{}…", text.chars().take(24).collect::<String>())
    } else {
        text.to_owned()
    };
    if text.starts_with('-') {
        return Err(format!(
            "`{shown}` is negative: give the cents to refund, at least 1"
        ));
    }
    if text.trim() != text {
        return Err(format!(
            "`{shown}` has spaces around it: write the cents as plain digits"
        ));
    }
    if text.starts_with('+') {
        return Err(format!(
            "`{shown}` has a sign: write the cents as plain digits (5, not +5)"
        ));
    }
    let digits = text;
    if digits.contains(['.', ','])
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(format!(
            "`{shown}` is not a whole number of cents: amounts are integer cents (1050 for R$ 10,50)"
        ));
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{shown}` is not a number: give integer cents (1050 for R$ 10,50), or leave it empty \
             to cancel in full"
        ));
    }
    let cents: u64 = digits
        .parse()
        .map_err(|_| format!("`{shown}` is too large"))?;
    if cents == 0 {
        return Err(String::from(
            "is 0: a refund is at least 1 cent (leave it empty to cancel in full)",
        ));
    }
    Ok(Some(cents))
}

/// Line numbers as an editor shows them. The csv crate's own count skips blank lines and
/// counts CRLF oddly, so lines are counted here from the record's byte offset — which points
/// at the line break or blank lines before the record, skipped first (a record cannot start
/// with a line break unless it is quoted). The bytes are a second reading of the file, alongside
/// the CSV reader's, so nothing of it is held.
struct Lines<B: io::BufRead> {
    bytes: B,
    offset: u64,
    line: u64,
}

impl<B: io::BufRead> Lines<B> {
    fn new(bytes: B) -> Self {
        Lines {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Reads on to byte `end`, counting the lines on the way.
    fn advance(&mut self, end: u64) {
        while self.offset < end {
            let Ok(buffer) = self.bytes.fill_buf() else {
                return;
            };
            if buffer.is_empty() {
                return;
            }
            let take = buffer
                .len()
                .min(usize::try_from(end - self.offset).unwrap_or(usize::MAX));
            self.line += buffer[..take].iter().filter(|byte| **byte == b'\n').count() as u64;
            self.bytes.consume(take);
            self.offset += take as u64;
        }
    }

    /// The line where `record` starts; records must be given in order.
    fn of(&mut self, record: &csv::ByteRecord) -> u64 {
        let Some(position) = record.position() else {
            return self.line;
        };
        self.advance(position.byte());
        // The position may point at the line break (or blank lines) before the record.
        loop {
            let next = match self.bytes.fill_buf() {
                Ok(buffer) => buffer.first().copied(),
                Err(_) => None,
            };
            match next {
                Some(byte @ (b'\r' | b'\n')) => {
                    self.bytes.consume(1);
                    self.offset += 1;
                    self.line += u64::from(byte == b'\n');
                }
                _ => return self.line,
            }
        }
    }

    /// A CSV error, with the line it is on.
    fn error(&mut self, error: &csv::Error) -> FileError {
        if let Some(position) = error.position() {
            self.advance(position.byte());
        }
        FileError::Csv {
            line: self.line,
            reason: match error.kind() {
                csv::ErrorKind::Io(error) => error.to_string(),
                _ => String::from("malformed CSV"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_provider(row: &Row) -> Result<(), (String, String)> {
        match row.provider.as_str() {
            "stripe" => Err((
                PROVIDER.to_owned(),
                String::from("unknown provider `stripe`"),
            )),
            "liquido" if row.amount.is_some() => Err((
                AMOUNT.to_owned(),
                String::from("Liquido cannot cancel part of a payment"),
            )),
            _ => Ok(()),
        }
    }

    /// Every row of `text`, read as a run reads a file.
    fn rows_of(text: &[u8]) -> Result<Vec<Parsed>, FileError> {
        let mut reader = Reader::new(text, text)?;
        let mut rows = Vec::new();
        while let Some(parsed) = reader.next_row(&any_provider) {
            rows.push(parsed?);
        }
        Ok(rows)
    }

    fn parse_text(text: &[u8]) -> Vec<Parsed> {
        rows_of(text).unwrap()
    }

    fn invalid(parsed: &Parsed) -> (&str, u64, &str) {
        match parsed {
            Parsed::Invalid(row) => (row.field.as_str(), row.line, row.reason.as_str()),
            Parsed::Valid(row) => panic!("row {} is valid", row.line),
        }
    }

    #[test]
    fn valid_rows_carry_their_line_amount_and_fields() {
        let text = b"provider,payment,amount,marketplace_id,on_behalf_of\n\
              zoop,txn-1,1050,mkt,seller\n\
              \n\
              zoop,txn-2,,mkt,\n";
        let file = parse_text(text);
        assert_eq!(file.len(), 2);
        let Parsed::Valid(first) = &file[0] else {
            panic!("{:?}", file[0])
        };
        assert_eq!(first.line, 2);
        assert_eq!(first.amount, Some(1050));
        assert_eq!(
            first.fields.get("on_behalf_of").map(String::as_str),
            Some("seller")
        );
        let Parsed::Valid(second) = &file[1] else {
            panic!("{:?}", file[1])
        };
        assert_eq!(
            (second.line, second.payment.as_str(), second.amount),
            (4, "txn-2", None)
        );
        assert!(
            !second.fields.contains_key("on_behalf_of"),
            "empty fields are left out"
        );
    }

    #[test]
    fn each_bad_row_names_its_line_and_column() {
        let file = parse_text(
            b"provider,payment,amount\n\
              picpay-checkout,c-000001,0\n\
              picpay-checkout,c-000002,-5\n\
              picpay-checkout,c-000003,10.50\n\
              picpay-checkout,c-000004,ten\n\
              picpay-checkout,,100\n\
              ,c-000006,100\n\
              stripe,ch_1,100\n\
              liquido,pix-1,100\n\
              picpay-checkout,c-000009\n\
              picpay-checkout,c-00001\xff,100\n\
              picpay-checkout,c-000011,100\n",
        );
        let expected = [
            ("amount", 2, "is 0"),
            ("amount", 3, "negative"),
            ("amount", 4, "not a whole number of cents"),
            ("amount", 5, "not a number"),
            ("payment", 6, "is empty"),
            ("provider", 7, "is empty"),
            ("provider", 8, "unknown provider"),
            ("amount", 9, "cannot cancel part"),
            ("row", 10, "has 2 fields, the header 3"),
            ("payment", 11, "UTF-8"),
        ];
        for (parsed, (field, line, words)) in file.iter().zip(expected) {
            let (got_field, got_line, reason) = invalid(parsed);
            assert_eq!((got_field, got_line), (field, line), "{reason}");
            assert!(reason.contains(words), "row {line}: {reason}");
        }
        assert!(matches!(file[10], Parsed::Valid(_)));
    }

    #[test]
    fn header_problems_stop_the_file() {
        let check = |text: &[u8]| rows_of(text).unwrap_err();
        assert_eq!(check(b""), FileError::Empty);
        assert!(
            check(b"provider,amount\n")
                .to_string()
                .contains("`payment`")
        );
        assert!(
            check(b"provider,payment,payment\n")
                .to_string()
                .contains("twice")
        );
        assert!(
            check(b"provider,payment,,x\n")
                .to_string()
                .contains("no name")
        );
        // Only declared fields are columns: personal data in any spelling is refused.
        for column in [
            "customer_email",
            "cpf",
            "customerName",
            "cpfCliente",
            "cardnumber",
            "tax_id",
            "cep",
            "authorisationId",
        ] {
            let refused =
                check(format!("provider,payment,amount,{column}\n").as_bytes()).to_string();
            assert!(
                refused.contains(&format!("column `{column}` is not a field of any provider")),
                "{refused}"
            );
            assert!(
                refused.contains("`on_behalf_of`"),
                "names the known fields: {refused}"
            );
        }
        // Every provider's declared field is a column.
        assert!(
            rows_of(b"provider,payment,amount,marketplace_id,on_behalf_of,authorizationId\n")
                .is_ok()
        );
    }

    #[test]
    fn values_are_taken_exactly_as_written() {
        let file = parse_text(b"provider,payment,amount\nzoop, txn-1,100\nzoop,txn-2,+5\nzoop,txn-3, 5\nzoop,txn-4,5\n");
        let (field, _, reason) = invalid(&file[1]);
        assert_eq!(field, "amount");
        assert!(reason.contains("has a sign"), "{reason}");
        let (field, _, reason) = invalid(&file[2]);
        assert_eq!(field, "amount");
        assert!(reason.contains("spaces around it"), "{reason}");
        // The id keeps its space here; the provider check refuses it (see the CLI tests).
        assert!(matches!(&file[0], Parsed::Valid(row) if row.payment == " txn-1"));
        assert!(matches!(file[3], Parsed::Valid(_)));
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_fine() {
        let file = parse_text(b"\xef\xbb\xbfprovider,payment,amount\r\nzoop,t-1,100\r\n");
        assert!(matches!(&file[0], Parsed::Valid(row) if row.line == 2 && row.amount == Some(100)));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        let file = parse_text(
            b"provider,payment\r\nzoop,t-1\r\n\r\n\r\nzoop,t-2\r\n\nzoop,\"t\n3\"\nzoop,t-4\n",
        );
        let lines: Vec<u64> = file.iter().map(Parsed::line).collect();
        assert_eq!(lines, [2, 5, 7, 9]);
    }
}
