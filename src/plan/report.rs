//! The plan as people read it: a terminal summary, a CSV with one row per finding (for a
//! spreadsheet), and a self-contained HTML page (no scripts, no external files).

use super::Plan;
use super::matcher::{Finding, Side};
use maud::{DOCTYPE, Markup, html};

/// One finding with the names of the records it is about.
pub struct Row {
    pub kind: &'static str,
    pub title: &'static str,
    pub matched_by: String,
    pub salesforce: Vec<(String, String)>,
    pub netsuite: Vec<(String, String)>,
    pub detail: String,
    /// What syncing a linked or proposed pair would change (see `changes`).
    pub changes: Vec<String>,
}

/// The CSV's columns (`tandem backfill --plan` reads them back).
pub const CSV_HEADER: [&str; 8] = [
    "finding",
    "matched_by",
    "salesforce_ids",
    "salesforce_names",
    "netsuite_ids",
    "netsuite_names",
    "detail",
    "fields_that_would_change",
];

/// Kinds in the order the summary and the page show them.
const KINDS: &[(&str, &str)] = &[
    (
        "ambiguous",
        "ambiguous: several candidates, someone must choose",
    ),
    ("duplicate_salesforce", "duplicates within Salesforce"),
    ("duplicate_netsuite", "duplicates within NetSuite"),
    ("broken_link", "stored ids naming no record"),
    ("link", "would be linked"),
    ("create_in_netsuite", "would be created in NetSuite"),
    ("create_in_salesforce", "would be created in Salesforce"),
    ("linked", "already linked"),
];

impl Finding {
    /// The finding's name in the CSV's `finding` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Linked { .. } => "linked",
            Finding::Link { .. } => "link",
            Finding::Ambiguous { .. } => "ambiguous",
            Finding::Duplicates {
                side: Side::Salesforce,
                ..
            } => "duplicate_salesforce",
            Finding::Duplicates {
                side: Side::Netsuite,
                ..
            } => "duplicate_netsuite",
            Finding::BrokenLink { .. } => "broken_link",
            Finding::CreateCustomer { .. } => "create_in_netsuite",
            Finding::CreateAccount { .. } => "create_in_salesforce",
        }
    }
}

impl Plan {
    /// Every finding as a row, in the order of [`KINDS`].
    pub fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = self.findings.iter().map(|f| self.row(f)).collect();
        let rank = |kind: &str| {
            KINDS
                .iter()
                .position(|(k, _)| *k == kind)
                .unwrap_or(KINDS.len())
        };
        rows.sort_by_key(|row| rank(row.kind));
        rows
    }

    fn named(&self, side: Side, ids: &[String]) -> Vec<(String, String)> {
        let names = match side {
            Side::Salesforce => &self.account_names,
            Side::Netsuite => &self.customer_names,
        };
        ids.iter()
            .map(|id| (id.clone(), names.get(id).cloned().unwrap_or_default()))
            .collect()
    }

    fn row(&self, finding: &Finding) -> Row {
        let one = |id: &String| std::slice::from_ref(id).to_vec();
        let (matched_by, salesforce, netsuite, detail) = match finding {
            Finding::Linked { account, customer } => (
                "stored id".to_owned(),
                one(account),
                one(customer),
                String::new(),
            ),
            Finding::Link {
                account,
                customer,
                matched_by,
            } => (
                (*matched_by).to_owned(),
                one(account),
                one(customer),
                String::new(),
            ),
            Finding::Ambiguous {
                customers,
                accounts,
                matched_by,
                ..
            } => (
                (*matched_by).to_owned(),
                accounts.clone(),
                customers.clone(),
                format!(
                    "{} account(s) and {} customer(s) share this {matched_by}",
                    accounts.len(),
                    customers.len()
                ),
            ),
            Finding::Duplicates {
                side,
                ids,
                shared,
                value,
            } => {
                let detail = format!("{} records share the {shared} {value:?}", ids.len());
                match side {
                    Side::Salesforce => ((*shared).to_owned(), ids.clone(), vec![], detail),
                    Side::Netsuite => ((*shared).to_owned(), vec![], ids.clone(), detail),
                }
            }
            Finding::BrokenLink { side, id, to } => match side {
                Side::Salesforce => (
                    String::new(),
                    one(id),
                    vec![],
                    format!("holds NetSuite id {to}, which no customer has"),
                ),
                Side::Netsuite => (
                    String::new(),
                    vec![],
                    one(id),
                    format!("holds Salesforce id {to}, which no account has"),
                ),
            },
            Finding::CreateCustomer { account } => (
                String::new(),
                one(account),
                vec![],
                "no customer matches".to_owned(),
            ),
            Finding::CreateAccount { customer } => (
                String::new(),
                vec![],
                one(customer),
                "no account matches".to_owned(),
            ),
        };
        let changes = match finding {
            Finding::Link {
                account, customer, ..
            }
            | Finding::Linked { account, customer } => self
                .changes
                .get(&(account.clone(), customer.clone()))
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let kind = finding.kind();
        let title = KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, title)| title);
        Row {
            kind,
            title,
            matched_by,
            salesforce: self.named(Side::Salesforce, &salesforce),
            netsuite: self.named(Side::Netsuite, &netsuite),
            detail,
            changes,
        }
    }

    /// How many findings of each kind, in the order of [`KINDS`] (kinds with none included).
    pub fn counts(&self) -> Vec<(&'static str, &'static str, usize)> {
        KINDS
            .iter()
            .map(|(kind, title)| {
                let count = self.findings.iter().filter(|f| f.kind() == *kind).count();
                (*kind, *title, count)
            })
            .collect()
    }

    /// The terminal summary.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "Read {} Salesforce accounts and {} NetSuite customers.\n",
            self.account_names.len(),
            self.customer_names.len()
        );
        for (_, title, count) in self.counts() {
            text.push_str(&format!("  {count:>6}  {title}\n"));
        }
        text
    }

    /// The CSV: a header, then one row per finding; ids and names joined with `; `.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(CSV_HEADER)?;
        for row in self.rows() {
            let join = |pairs: &[(String, String)], pick: fn(&(String, String)) -> &str| {
                pairs.iter().map(pick).collect::<Vec<_>>().join("; ")
            };
            writer.write_record([
                row.kind,
                &row.matched_by,
                &join(&row.salesforce, |p| &p.0),
                &join(&row.salesforce, |p| &p.1),
                &join(&row.netsuite, |p| &p.0),
                &join(&row.netsuite, |p| &p.1),
                &row.detail,
                &row.changes.join("; "),
            ])?;
        }
        writer
            .into_inner()
            .map_err(|error| csv::Error::from(error.into_error()))
    }

    /// The HTML page: the counts, then a table per kind that has findings.
    pub fn html(&self) -> String {
        let rows = self.rows();
        let counts = self.counts();
        let records = |pairs: &[(String, String)]| -> Markup {
            html! {
                @for (id, name) in pairs {
                    div { code { (id) } " " (name) }
                }
            }
        };
        let page = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    title { "tandem plan" }
                    style { (STYLE) }
                }
                body {
                    h1 { "tandem plan" }
                    p {
                        "Read " (self.account_names.len()) " Salesforce accounts and "
                        (self.customer_names.len()) " NetSuite customers. Nothing was written."
                    }
                    table {
                        @for (kind, title, count) in &counts {
                            tr { td { a href={ "#" (kind) } { (title) } } td.count { (count) } }
                        }
                    }
                    @for (kind, title, count) in &counts {
                        @if *count > 0 {
                            h2 id=(kind) { (title) " (" (count) ")" }
                            table {
                                tr { th { "matched by" } th { "Salesforce" } th { "NetSuite" } th { "detail" } th { "would change" } }
                                @for row in rows.iter().filter(|r| r.kind == *kind) {
                                    tr {
                                        td { (row.matched_by) }
                                        td { (records(&row.salesforce)) }
                                        td { (records(&row.netsuite)) }
                                        td { (row.detail) }
                                        td.changes { @for change in &row.changes { div { (change) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        };
        page.into_string()
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}\
table{border-collapse:collapse;margin-bottom:1.5rem}\
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}\
td.count{text-align:right}code{color:#555}";
