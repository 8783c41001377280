//! tandem against NetSuite and Salesforce as real orgs behave: orders in the customer's own
//! subsidiary and currency, quantities that reach every product, and steady-state updates that
//! write nothing they need not.

mod costs;
mod deletes;
mod oneworld;
mod quantities;
