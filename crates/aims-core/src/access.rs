//! Roles and the permissions each one grants.
//!
//! Every route and command declares one [`Permission`]; a role is a fixed set of them.
//! Keeping the table here, in one place, is what lets a test check every route against
//! every role.

vocabulary! {
    /// What a user is, in the AIMS organisation.
    pub enum Role {
        Admin => ("admin", "Administrator"),
        GovernanceLead => ("governance_lead", "AI governance lead"),
        RiskOwner => ("risk_owner", "Risk owner"),
        MlEngineer => ("ml_engineer", "ML engineer"),
        Auditor => ("auditor", "Internal auditor"),
        ExternalAuditor => ("external_auditor", "External auditor (read-only)"),
        Viewer => ("viewer", "Viewer"),
    }
}

vocabulary! {
    /// One thing a request may do.
    pub enum Permission {
        /// Any signed-in user: the dashboard, one's own profile and API tokens.
        Authenticated => ("authenticated", "Signed in"),
        SystemRead => ("system_read", "Read AI systems"),
        SystemWrite => ("system_write", "Create and edit AI systems"),
        SystemArchive => ("system_archive", "Archive AI systems"),
        LedgerRead => ("ledger_read", "Read the audit trail and its proofs"),
        ConformanceRead => ("conformance_read", "Read frameworks, controls, the SoA and readiness"),
        ConformanceWrite => ("conformance_write", "Edit applied controls, SoA rows and clause records"),
        SoaApprove => ("soa_approve", "Approve the Statement of Applicability"),
        UserAdmin => ("user_admin", "Manage users and their tokens"),
        /// Approve or reject change requests; the governance policy says which roles count
        /// for which transition.
        GovernanceDecide => ("governance_decide", "Decide on lifecycle change requests"),
        WaiverGrant => ("waiver_grant", "Grant time-limited waivers of stage gates"),
        PolicyAdmin => ("policy_admin", "Edit the governance policy and approve risk methodologies"),
        RiskWrite => ("risk_write", "Record and treat risks, draft impact assessments"),
        AssessmentApprove => ("assessment_approve", "Approve impact assessments"),
    }
}

impl Role {
    /// Whether this role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            // Approving the SoA is a governance decision (clause 6.1.3), not an IT one:
            // administrators run the system but do not approve its content.
            Role::Admin => !matches!(
                permission,
                P::SoaApprove | P::WaiverGrant | P::PolicyAdmin | P::AssessmentApprove
            ),
            Role::GovernanceLead => !matches!(permission, P::UserAdmin),
            Role::RiskOwner | Role::MlEngineer => matches!(
                permission,
                P::Authenticated
                    | P::SystemRead
                    | P::SystemWrite
                    | P::LedgerRead
                    | P::ConformanceRead
                    | P::ConformanceWrite
                    | P::GovernanceDecide
                    | P::RiskWrite
            ),
            Role::Auditor | Role::ExternalAuditor => matches!(
                permission,
                P::Authenticated | P::SystemRead | P::LedgerRead | P::ConformanceRead
            ),
            Role::Viewer => matches!(
                permission,
                P::Authenticated | P::SystemRead | P::ConformanceRead
            ),
        }
    }

    /// Roles that may only read, whatever else changes in the table above.
    pub fn is_read_only(self) -> bool {
        !Permission::ALL.iter().any(|permission| {
            matches!(
                permission,
                Permission::SystemWrite
                    | Permission::SystemArchive
                    | Permission::UserAdmin
                    | Permission::ConformanceWrite
                    | Permission::SoaApprove
                    | Permission::GovernanceDecide
                    | Permission::WaiverGrant
                    | Permission::PolicyAdmin
                    | Permission::RiskWrite
                    | Permission::AssessmentApprove
            ) && self.allows(*permission)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_has_everything_but_approval_and_viewer_only_reads() {
        for permission in Permission::ALL {
            let governance_only = matches!(
                permission,
                Permission::SoaApprove
                    | Permission::WaiverGrant
                    | Permission::PolicyAdmin
                    | Permission::AssessmentApprove
            );
            assert_eq!(Role::Admin.allows(*permission), !governance_only);
        }
        assert!(Role::Viewer.allows(Permission::SystemRead));
        assert!(!Role::Viewer.allows(Permission::LedgerRead));
        assert!(Role::Viewer.is_read_only());
    }

    #[test]
    fn auditors_are_read_only_and_see_the_ledger() {
        for role in [Role::Auditor, Role::ExternalAuditor] {
            assert!(role.is_read_only());
            assert!(role.allows(Permission::LedgerRead));
        }
        assert!(!Role::GovernanceLead.allows(Permission::UserAdmin));
        assert!(!Role::GovernanceLead.is_read_only());
    }

    #[test]
    fn only_governance_leads_approve_the_soa() {
        let approvers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|role| role.allows(Permission::SoaApprove))
            .collect();
        assert_eq!(approvers, [Role::GovernanceLead]);
    }

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(*role));
        }
        assert!(Role::parse("root").is_err_and(|e| e.contains("governance_lead")));
    }
}
