//! People and their accounts: who is acting, passwords, sign-up, sign-in, invitations, roles.

pub mod caller;
pub mod password;
