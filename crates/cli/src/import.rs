//! `softphone-cli import-jssip`: a JsSIP-style configuration object → an account file (TOML on
//! standard output) and the password in the OS keyring (the desktop app's entry).

use softphone_engine::api::Credential;
use softphone_engine::jssip_import::import_jssip;
use std::path::Path;

/// Reads the JSON file, prints the account as TOML, stores a password in the keyring.
pub fn run(json_file: &Path, id: &str) -> Result<(), String> {
    let json = std::fs::read_to_string(json_file)
        .map_err(|e| format!("cannot read {}: {e}", json_file.display()))?;
    let imported = import_jssip(id, &json)?;
    let toml = toml::to_string(&imported.account)
        .map_err(|e| format!("cannot write the account as TOML: {e}"))?;
    print!("{toml}");
    for note in &imported.ignored {
        eprintln!("softphone-cli: not imported: {note}");
    }
    match imported.credential {
        Some(Credential::Password(secret)) => {
            crate::keyring::save(id, secret.expose().to_string())
                .map_err(|e| format!("the password was not stored: {e}"))?;
            eprintln!("softphone-cli: password stored in the keyring for account {id}");
        }
        Some(Credential::Ha1(_)) => eprintln!(
            "softphone-cli: the configuration has an HA1: pass it as SOFTPHONE_HA1 (not stored)"
        ),
        Some(Credential::BearerToken(_)) => eprintln!(
            "softphone-cli: the configuration has a token: pass it as SOFTPHONE_TOKEN (not stored)"
        ),
        None => {}
    }
    Ok(())
}
