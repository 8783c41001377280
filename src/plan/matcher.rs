//! Pairing every Salesforce account with a NetSuite customer in memory, by the keys the live
//! flows use and in their order: a stored id, then the company domain, then the normalised
//! name. Two or more candidates are never guessed between; they are reported.

use crate::domain::matching::normalize_company_name;
use std::collections::{BTreeMap, BTreeSet};

/// A company as one system holds it, reduced to what matching reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: String,
    pub name: Option<String>,
    /// Website or email domain; never a free-mail one.
    pub domain: Option<String>,
    /// The other system's id stored on this record.
    pub linked_to: Option<String>,
}

impl Company {
    fn normalized_name(&self) -> Option<String> {
        self.name
            .as_deref()
            .map(normalize_company_name)
            .filter(|name| !name.is_empty())
    }
}

/// What the plan says of one account, one customer, or a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Already linked by a stored id; nothing to do.
    Linked {
        account: String,
        customer: String,
    },
    /// Would be linked, found by `matched_by` (`domain` or `company name`).
    Link {
        account: String,
        customer: String,
        matched_by: &'static str,
    },
    /// Several records on the other side match; someone must choose.
    Ambiguous {
        account: Option<String>,
        customers: Vec<String>,
        accounts: Vec<String>,
        matched_by: &'static str,
    },
    /// Records of one system sharing a domain or a normalised name.
    Duplicates {
        side: Side,
        ids: Vec<String>,
        shared: &'static str,
        value: String,
    },
    /// A stored id that names no record on the other side.
    BrokenLink {
        side: Side,
        id: String,
        to: String,
    },
    /// No counterpart: a backfill would create one in the other system.
    CreateCustomer {
        account: String,
    },
    CreateAccount {
        customer: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Salesforce,
    Netsuite,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Salesforce => "salesforce",
            Side::Netsuite => "netsuite",
        }
    }
}

/// Every finding for these accounts and customers, in a stable order.
pub fn plan(accounts: &[Company], customers: &[Company]) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(duplicates(Side::Salesforce, accounts));
    findings.extend(duplicates(Side::Netsuite, customers));

    let account_ids: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let customer_ids: BTreeSet<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    let mut paired_accounts = BTreeSet::new();
    let mut paired_customers = BTreeSet::new();

    // Stored ids, from either side.
    for account in accounts {
        let Some(customer) = account.linked_to.as_deref() else {
            continue;
        };
        if customer_ids.contains(customer) {
            if paired_customers.insert(customer.to_owned()) {
                paired_accounts.insert(account.id.clone());
                findings.push(Finding::Linked {
                    account: account.id.clone(),
                    customer: customer.to_owned(),
                });
            }
        } else {
            findings.push(Finding::BrokenLink {
                side: Side::Salesforce,
                id: account.id.clone(),
                to: customer.to_owned(),
            });
        }
    }
    for customer in customers {
        let Some(account) = customer.linked_to.as_deref() else {
            continue;
        };
        if paired_customers.contains(&customer.id) {
            continue;
        }
        if account_ids.contains(account) {
            if paired_accounts.insert(account.to_owned()) {
                paired_customers.insert(customer.id.clone());
                findings.push(Finding::Linked {
                    account: account.to_owned(),
                    customer: customer.id.clone(),
                });
            }
        } else {
            findings.push(Finding::BrokenLink {
                side: Side::Netsuite,
                id: customer.id.clone(),
                to: account.to_owned(),
            });
        }
    }

    // Then the domain, then the name, each among the records not paired yet.
    let mut ambiguous_accounts = BTreeSet::new();
    // Customers wanted by several accounts (left out of later keys), and every customer named
    // in an ambiguous finding (never proposed for creation).
    let mut ambiguous_customers = BTreeSet::new();
    let mut candidates = BTreeSet::new();
    for (matched_by, key) in [("domain", Key::Domain), ("company name", Key::Name)] {
        let open_customers: Vec<&Company> = customers
            .iter()
            .filter(|c| !paired_customers.contains(&c.id) && !ambiguous_customers.contains(&c.id))
            .collect();
        let mut by_key: BTreeMap<String, Vec<&Company>> = BTreeMap::new();
        for customer in open_customers {
            if let Some(value) = key.of(customer) {
                by_key.entry(value).or_default().push(customer);
            }
        }
        // Which open accounts each candidate customer would take.
        let mut wanted_by: BTreeMap<&str, Vec<&Company>> = BTreeMap::new();
        for account in accounts {
            if paired_accounts.contains(&account.id) || ambiguous_accounts.contains(&account.id) {
                continue;
            }
            let Some(value) = key.of(account) else {
                continue;
            };
            match by_key.get(&value).map(Vec::as_slice) {
                None | Some([]) => {}
                Some([one]) => wanted_by.entry(one.id.as_str()).or_default().push(account),
                Some(several) => {
                    ambiguous_accounts.insert(account.id.clone());
                    candidates.extend(several.iter().map(|c| c.id.clone()));
                    findings.push(Finding::Ambiguous {
                        account: Some(account.id.clone()),
                        customers: several.iter().map(|c| c.id.clone()).collect(),
                        accounts: vec![account.id.clone()],
                        matched_by,
                    });
                }
            }
        }
        for (customer, wanting) in wanted_by {
            if let [account] = wanting.as_slice() {
                paired_accounts.insert(account.id.clone());
                paired_customers.insert(customer.to_owned());
                findings.push(Finding::Link {
                    account: account.id.clone(),
                    customer: customer.to_owned(),
                    matched_by,
                });
            } else {
                ambiguous_customers.insert(customer.to_owned());
                candidates.insert(customer.to_owned());
                for account in &wanting {
                    ambiguous_accounts.insert(account.id.clone());
                }
                findings.push(Finding::Ambiguous {
                    account: None,
                    customers: vec![customer.to_owned()],
                    accounts: wanting.iter().map(|a| a.id.clone()).collect(),
                    matched_by,
                });
            }
        }
    }

    for account in accounts {
        if !paired_accounts.contains(&account.id) && !ambiguous_accounts.contains(&account.id) {
            findings.push(Finding::CreateCustomer {
                account: account.id.clone(),
            });
        }
    }
    for customer in customers {
        if !paired_customers.contains(&customer.id) && !candidates.contains(&customer.id) {
            findings.push(Finding::CreateAccount {
                customer: customer.id.clone(),
            });
        }
    }
    findings
}

#[derive(Clone, Copy)]
enum Key {
    Domain,
    Name,
}

impl Key {
    fn of(self, company: &Company) -> Option<String> {
        match self {
            Key::Domain => company.domain.clone(),
            Key::Name => company.normalized_name(),
        }
    }
}

/// Groups of two or more records of one system sharing a domain, or a normalised name.
fn duplicates(side: Side, companies: &[Company]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (shared, key) in [("domain", Key::Domain), ("company name", Key::Name)] {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for company in companies {
            if let Some(value) = key.of(company) {
                groups.entry(value).or_default().push(company.id.clone());
            }
        }
        for (value, ids) in groups {
            if ids.len() > 1 {
                findings.push(Finding::Duplicates {
                    side,
                    ids,
                    shared,
                    value,
                });
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(id: &str, name: &str, domain: Option<&str>, linked_to: Option<&str>) -> Company {
        Company {
            id: id.into(),
            name: Some(name.into()),
            domain: domain.map(str::to_owned),
            linked_to: linked_to.map(str::to_owned),
        }
    }

    #[test]
    fn stored_ids_then_domain_then_name_pair_records_and_the_rest_would_be_created() {
        let accounts = [
            company("001A", "Acme", Some("acme.com"), Some("10")),
            company("001B", "Globex Corporation", Some("globex.com"), None),
            company("001C", "Initech, Inc.", None, None),
            company("001D", "Umbrella", None, None),
        ];
        let customers = [
            company("10", "ACME Inc", Some("acme.com"), None),
            company("11", "Globex", Some("globex.com"), None),
            company("12", "INITECH LLC", None, None),
            company("13", "Hooli", Some("hooli.com"), Some("001Z")),
        ];
        let findings = plan(&accounts, &customers);
        let expected = [
            Finding::Linked {
                account: "001A".into(),
                customer: "10".into(),
            },
            Finding::BrokenLink {
                side: Side::Netsuite,
                id: "13".into(),
                to: "001Z".into(),
            },
            Finding::Link {
                account: "001B".into(),
                customer: "11".into(),
                matched_by: "domain",
            },
            Finding::Link {
                account: "001C".into(),
                customer: "12".into(),
                matched_by: "company name",
            },
            Finding::CreateCustomer {
                account: "001D".into(),
            },
            Finding::CreateAccount {
                customer: "13".into(),
            },
        ];
        assert_eq!(findings, expected);
    }

    #[test]
    fn several_candidates_either_way_are_ambiguous_never_guessed() {
        let accounts = [
            company("001A", "Acme", Some("acme.com"), None),
            company("001B", "Stark Industries", None, None),
            company("001C", "Stark Industries Ltd", None, None),
        ];
        let customers = [
            company("10", "Acme East", Some("acme.com"), None),
            company("11", "Acme West", Some("acme.com"), None),
            company("12", "Stark Industries", None, None),
        ];
        let findings = plan(&accounts, &customers);
        assert!(findings.contains(&Finding::Ambiguous {
            account: Some("001A".into()),
            customers: vec!["10".into(), "11".into()],
            accounts: vec!["001A".into()],
            matched_by: "domain",
        }));
        assert!(findings.contains(&Finding::Ambiguous {
            account: None,
            customers: vec!["12".into()],
            accounts: vec!["001B".into(), "001C".into()],
            matched_by: "company name",
        }));
        assert!(findings.contains(&Finding::Duplicates {
            side: Side::Salesforce,
            ids: vec!["001B".into(), "001C".into()],
            shared: "company name",
            value: "stark industries".into(),
        }));
        assert!(findings.contains(&Finding::Duplicates {
            side: Side::Netsuite,
            ids: vec!["10".into(), "11".into()],
            shared: "domain",
            value: "acme.com".into(),
        }));
        assert!(
            !findings
                .iter()
                .any(|f| matches!(f, Finding::Link { .. } | Finding::CreateAccount { .. })),
            "{findings:?}"
        );
    }
}
