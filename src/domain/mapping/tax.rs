//! Recognising tax fields, which tandem never writes: NetSuite computes tax from the lines, the
//! customer and the nexus, and a synced tax value would fight that computation.

/// Ordinary words that contain "tax" but say nothing about tax.
const NOT_TAX: &[&str] = &[
    "syntax",
    "syntaxes",
    "taxonomy",
    "taxonomies",
    "taxonomic",
    "taxi",
    "taxis",
    "taxicab",
    "taxidermy",
    "ataxia",
];

/// Whether `name` is a tax field of either system.
///
/// The name is cut into word parts at underscores, dots and other punctuation, at camelCase
/// humps and between letters and digits (`custbody_tax_code`, `TaxAmount`, `tax1amt`,
/// `Sales_Tax__c`); a tax field is one with a part containing "tax", which also covers
/// NetSuite's run-together names (`taxcode`, `istaxable`, `taxdetails`, `shippingtax1rate`).
/// Words like "syntax" and "taxonomy" are not tax.
pub fn is_tax_field(name: &str) -> bool {
    word_parts(name)
        .iter()
        .any(|part| part.contains("tax") && !NOT_TAX.contains(&part.as_str()))
}

fn word_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            parts.push(std::mem::take(&mut current));
            previous = None;
            continue;
        }
        let boundary = previous.is_some_and(|p| {
            (p.is_lowercase() && c.is_uppercase()) || (p.is_alphabetic() != c.is_alphabetic())
        });
        if boundary {
            parts.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
        previous = Some(c);
    }
    parts.push(current);
    parts.retain(|part| !part.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netsuite_and_salesforce_tax_fields_are_recognised() {
        for name in [
            "taxcode",
            "taxitem",
            "taxrate",
            "tax1amt",
            "taxtotal",
            "istaxable",
            "taxamount",
            "taxdetails",
            "taxDetailsOverride",
            "shippingtax1rate",
            "custbody_tax_exempt",
            "custcol_taxcode",
            "Tax",
            "TaxAmount",
            "Sales_Tax__c",
            "TotalTax__c",
        ] {
            assert!(is_tax_field(name), "{name}");
        }
    }

    #[test]
    fn ordinary_and_custom_fields_are_not_tax_fields() {
        for name in [
            "companyname",
            "creditlimit",
            "custbody_deal_type",
            "custentity_sf_account_id",
            "Credit_Limit__c",
            "Amount_Remaining__c",
            "Syntax_Version__c",
            "custitem_taxonomy",
            "Contact",
            "Status",
        ] {
            assert!(!is_tax_field(name), "{name}");
        }
    }

    #[test]
    fn names_are_cut_at_punctuation_humps_and_digits() {
        assert_eq!(word_parts("tax1amt"), ["tax", "1", "amt"]);
        assert_eq!(word_parts("TaxAmount"), ["tax", "amount"]);
        assert_eq!(word_parts("Sales_Tax__c"), ["sales", "tax", "c"]);
        assert_eq!(word_parts("terms.refName"), ["terms", "ref", "name"]);
    }
}
