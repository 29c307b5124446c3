//! `casa-server comuni services`: which services a Comune offers, turned
//! on and off by an operator (the phones learn it on their next sync).

use anyhow::bail;
use casa_shared_model::category::Service;
use casa_shared_model::IstatCode;
use casa_sync_server::platform::config::Settings;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ComuniCommand {
    /// Show a Comune's services; with --enable or --disable, change them first.
    Services {
        /// The Comune's ISTAT code, e.g. 072006.
        comune: String,
        /// A service to turn on (repeatable): reports, petitions, consultations,
        /// discussions, collaboration_pacts, crowdfunding, gamification.
        #[arg(long = "enable")]
        enable: Vec<String>,
        /// A service to turn off (repeatable).
        #[arg(long = "disable")]
        disable: Vec<String>,
    },
}

pub async fn run(s: &Settings, command: ComuniCommand) -> anyhow::Result<()> {
    let ComuniCommand::Services { comune, enable, disable } = command;
    let comune = IstatCode::parse(&comune)?;
    let parse = |names: &[String]| -> anyhow::Result<Vec<Service>> {
        names
            .iter()
            .map(|n| {
                Service::parse(n.trim()).ok_or_else(|| {
                    let known: Vec<&str> = Service::ALL.iter().map(Service::as_str).collect();
                    anyhow::anyhow!("servizio sconosciuto «{n}» / unknown service; one of: {}", known.join(", "))
                })
            })
            .collect()
    };
    let (enable, disable) = (parse(&enable)?, parse(&disable)?);
    if let Some(both) = enable.iter().find(|s| disable.contains(s)) {
        bail!("«{}» sia da attivare sia da disattivare / both enabled and disabled", both.as_str());
    }
    let store = crate::cli::open_store(s).await?;
    if !store.comune_configs().await?.iter().any(|c| c.istat_code == comune) {
        bail!("Comune {comune} sconosciuto / unknown Comune");
    }
    for (service, on) in enable.iter().map(|s| (s, true)).chain(disable.iter().map(|s| (s, false))) {
        store.set_service(&comune, *service, on).await?;
    }
    let configs = store.comune_configs().await?;
    let Some(config) = configs.iter().find(|c| c.istat_code == comune) else {
        bail!("Comune {comune} sconosciuto / unknown Comune");
    };
    let on: Vec<&str> = Service::ALL.iter().filter(|s| config.services.iter().any(|(x, on)| x == *s && *on)).map(Service::as_str).collect();
    println!("{} {}: {}", config.istat_code, config.name, if on.is_empty() { "—".to_owned() } else { on.join(", ") });
    Ok(())
}
