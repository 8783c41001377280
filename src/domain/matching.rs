//! The keys records are matched by when neither carries the other system's id: a company's
//! email or website domain (never a free-mail one), then its normalised name.

use url::Url;

/// Legal-form words dropped from the end of a company name, after punctuation is removed
/// (so `L.L.C.` is `llc`, `S.A.` is `sa`, `Pty Ltd` is two words, both dropped).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "llp",
    "ltd",
    "limited",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "pty",
    "oy",
    "ab",
];

/// Mail providers anyone can sign up to: a shared domain says nothing about the company.
const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "t-online.de",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "fastmail.com",
    "hey.com",
    "tutanota.com",
    "orange.fr",
    "free.fr",
    "libero.it",
    "comcast.net",
    "att.net",
    "verizon.net",
];

/// A company name reduced to what identifies it: lowercase, punctuation removed, `&` read as
/// "and", whitespace collapsed, and trailing legal forms dropped ("Acme, Inc." = "ACME Inc" =
/// "acme"). A name that is only a legal form keeps it, so it never reduces to nothing.
pub fn normalize_company_name(name: &str) -> String {
    let mut spaced = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            // Inside abbreviations and names: `L.L.C.` → `llc`, `O'Brien` → `obrien`.
            '.' | '\'' | '’' => {}
            '&' => spaced.push_str(" and "),
            c if c.is_alphanumeric() => spaced.extend(c.to_lowercase()),
            _ => spaced.push(' '),
        }
    }
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    while words.len() > 1
        && words
            .last()
            .is_some_and(|word| LEGAL_SUFFIXES.contains(word))
    {
        words.pop();
    }
    words.join(" ")
}

/// The lowercased domain of an email address (`Jane@Acme.COM` → `acme.com`); `None` when the
/// text is not an address. A display form `Jane <jane@acme.com>` is read too.
pub fn email_domain(email: &str) -> Option<String> {
    let email = email.trim();
    let address = match (email.rfind('<'), email.rfind('>')) {
        (Some(open), Some(close)) if open < close => &email[open + 1..close],
        _ => email,
    };
    let (local, domain) = address.trim().rsplit_once('@')?;
    if local.is_empty() {
        return None;
    }
    host_name(domain)
}

/// The domain of a website, without scheme, `www.`, port or path
/// (`https://www.acme.com/path` → `acme.com`; `acme.com` alone works too).
pub fn website_domain(website: &str) -> Option<String> {
    let website = website.trim();
    if website.is_empty() {
        return None;
    }
    let url = Url::parse(website)
        .ok()
        .filter(|url| url.has_host())
        .or_else(|| Url::parse(&format!("http://{website}")).ok())?;
    let host = url.host_str()?;
    host_name(host.strip_prefix("www.").unwrap_or(host))
}

/// Whether `domain` belongs to a free mail provider, so matching must not use it.
pub fn is_free_mail_domain(domain: &str) -> bool {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    FREE_MAIL_DOMAINS.contains(&domain.as_str())
}

/// A company's domain: its website's, else its email's; never a free-mail one.
pub fn company_domain(website: Option<&str>, email: Option<&str>) -> Option<String> {
    let domain = website
        .and_then(website_domain)
        .or_else(|| email.and_then(email_domain))?;
    (!is_free_mail_domain(&domain)).then_some(domain)
}

/// The domain of an email address when it can identify a company: not a free-mail one.
pub fn company_email_domain(email: &str) -> Option<String> {
    email_domain(email).filter(|domain| !is_free_mail_domain(domain))
}

/// A lowercased host name with at least two labels, or `None`.
fn host_name(text: &str) -> Option<String> {
    let host = text.trim().trim_end_matches('.').to_lowercase();
    let labels_ok = host
        .split('.')
        .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'));
    (labels_ok && host.contains('.')).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_that_differ_only_in_form_normalise_equal() {
        for (name, expected) in [
            ("Acme, Inc.", "acme"),
            ("ACME Inc", "acme"),
            ("acme", "acme"),
            ("Acme Incorporated", "acme"),
            ("Acme LLC", "acme"),
            ("Acme L.L.C.", "acme"),
            ("Acme Ltd", "acme"),
            ("Acme Ltd.", "acme"),
            ("Acme Limited", "acme"),
            ("Acme GmbH", "acme"),
            ("Acme AG", "acme"),
            ("Acme SA", "acme"),
            ("Acme S.A.", "acme"),
            ("Acme SAS", "acme"),
            ("Acme BV", "acme"),
            ("Acme B.V.", "acme"),
            ("Acme Corp", "acme"),
            ("Acme Corp.", "acme"),
            ("Acme Corporation", "acme"),
            ("Acme Co", "acme"),
            ("Acme Co.", "acme"),
            ("Acme PLC", "acme"),
            ("Acme Pty Ltd", "acme"),
            ("Acme SARL", "acme"),
            ("Acme Oy", "acme"),
            ("Acme AB", "acme"),
            ("  Acme   Widgets,  Co. Ltd. ", "acme widgets"),
            ("Johnson & Johnson", "johnson and johnson"),
            ("Johnson and Johnson", "johnson and johnson"),
            ("O'Brien-Smith (Europe) GmbH", "obrien smith europe"),
            ("Société Générale S.A.", "société générale"),
            ("Inc.", "inc"),
            ("", ""),
        ] {
            assert_eq!(normalize_company_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn legal_forms_are_dropped_only_at_the_end() {
        assert_eq!(
            normalize_company_name("Co-operative Bank"),
            "co operative bank"
        );
        assert_eq!(normalize_company_name("AB Volvo"), "ab volvo");
        assert_ne!(
            normalize_company_name("Acme Industries"),
            normalize_company_name("Acme")
        );
    }

    #[test]
    fn email_domains_are_lowercased_and_checked() {
        for (email, expected) in [
            ("jane@acme.com", Some("acme.com")),
            (" Jane.Doe@ACME.Co.UK ", Some("acme.co.uk")),
            ("Jane Doe <jane@acme.com>", Some("acme.com")),
            ("odd@name@acme.com", Some("acme.com")),
            ("jane@acme.com.", Some("acme.com")),
            ("jane@localhost", None),
            ("@acme.com", None),
            ("jane@", None),
            ("acme.com", None),
            ("jane@acme..com", None),
            ("", None),
        ] {
            assert_eq!(email_domain(email).as_deref(), expected, "{email:?}");
        }
    }

    #[test]
    fn website_domains_lose_scheme_www_port_and_path() {
        for (website, expected) in [
            ("https://www.acme.com/path", Some("acme.com")),
            ("http://acme.com", Some("acme.com")),
            ("HTTPS://WWW.ACME.COM:8443/a?b=c#d", Some("acme.com")),
            ("www.acme.com", Some("acme.com")),
            ("acme.com/about", Some("acme.com")),
            ("shop.acme.co.uk", Some("shop.acme.co.uk")),
            ("https://user:pass@acme.com", Some("acme.com")),
            ("acme", None),
            ("", None),
            ("not a website", None),
        ] {
            assert_eq!(website_domain(website).as_deref(), expected, "{website:?}");
        }
    }

    #[test]
    fn free_mail_domains_never_identify_a_company() {
        for domain in [
            "gmail.com",
            "Outlook.com",
            "hotmail.com",
            "yahoo.com",
            "icloud.com",
            "gmail.com.",
        ] {
            assert!(is_free_mail_domain(domain), "{domain}");
        }
        assert!(!is_free_mail_domain("acme.com"));
        assert_eq!(company_email_domain("jane@gmail.com"), None);
        assert_eq!(
            company_email_domain("jane@acme.com").as_deref(),
            Some("acme.com")
        );
    }
}
