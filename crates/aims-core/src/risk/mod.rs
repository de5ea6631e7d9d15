//! Risk and impact rules (ISO/IEC 42001 clauses 6.1.2 to 6.1.4, 8.2 to 8.4, Annex A.5):
//! the risk methodology as data, impact classification from an intake questionnaire, and
//! EU AI Act screening. Pure functions; the risk register that uses them comes with the
//! risk issue.

pub mod assessment;
pub mod classification;
pub mod methodology;
pub mod register;
pub mod screening;
