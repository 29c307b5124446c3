//! What the app asks of the phone: where it is, and photos. Small traits so
//! each platform brings its own (Android's fused location and camera intent,
//! iOS's Core Location and PHPicker) and the desktop build, used for tests,
//! brings a fixed or manual location and a folder of pictures.

use std::path::{Path, PathBuf};

/// A position fix with its accuracy (radius in metres, 68% confidence, as
/// Android and iOS report it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

impl Fix {
    /// Parses `LAT,LON[,ACCURACY_M]`, as given to `--location`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let num = |i: usize| -> Result<f64, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("posizione «{s}»: attesi LAT,LON[,PRECISIONE] / expected LAT,LON[,ACCURACY]"))?
                .parse::<f64>()
                .map_err(|_| format!("posizione «{s}»: numero non valido / not a number"))
        };
        if parts.len() > 3 {
            return Err(format!("posizione «{s}»: attesi LAT,LON[,PRECISIONE] / expected LAT,LON[,ACCURACY]"));
        }
        let (lat, lon) = (num(0)?, num(1)?);
        let accuracy_m = if parts.len() == 3 { num(2)? } else { 10.0 };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) || !(0.0..=10_000.0).contains(&accuracy_m) {
            return Err(format!("posizione «{s}» fuori dai limiti / out of range"));
        }
        Ok(Self { lat, lon, accuracy_m })
    }
}

/// The phone's position, when it has one.
pub trait LocationSource {
    fn current(&self) -> Option<Fix>;
}

/// Desktop: a fix given on the command line (as an emulator's simulated GPS),
/// or none, in which case the citizen places the pin on the map.
#[derive(Debug, Clone, Default)]
pub struct FixedLocation(pub Option<Fix>);

impl LocationSource for FixedLocation {
    fn current(&self) -> Option<Fix> {
        self.0
    }
}

/// Photos the citizen can attach: the camera roll on a phone.
pub trait PhotoSource {
    /// Pictures available to pick, newest first.
    fn available(&self) -> Vec<PathBuf>;
}

/// Desktop: the pictures in a folder (by default the XDG Pictures folder),
/// newest first.
#[derive(Debug, Clone)]
pub struct FolderPhotos {
    pub dir: PathBuf,
}

impl FolderPhotos {
    pub fn default_dir() -> PathBuf {
        std::env::var_os("XDG_PICTURES_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join("Pictures")))
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

impl PhotoSource for FolderPhotos {
    fn available(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name().to_string_lossy().to_lowercase();
                [".jpg", ".jpeg", ".png"].iter().any(|ext| name.ends_with(ext))
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.into_iter().map(|(_, p)| p).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_parses_with_or_without_accuracy_and_nonsense_is_refused() {
        assert_eq!(Fix::parse("41.1307, 16.87,8").expect("fix"), Fix { lat: 41.1307, lon: 16.87, accuracy_m: 8.0 });
        assert_eq!(Fix::parse("41,16").expect("fix").accuracy_m, 10.0);
        for bad in ["", "41", "a,b", "91,16", "41,16,-1", "41,16,5,5"] {
            assert!(Fix::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_folder_lists_only_pictures() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["a.jpg", "b.PNG", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let mut names: Vec<String> = FolderPhotos { dir: dir.path().into() }
            .available()
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.jpg", "b.PNG"]);
    }
}

/// What kind of network the device is on, for "sync on Wi-Fi only".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Wi-Fi or cable: free to use.
    Unmetered,
    /// Mobile data (or a tethered phone): the citizen may want to wait.
    Metered,
    /// No route out, or the platform cannot tell.
    Unknown,
}

impl Connection {
    /// Parses `wifi`/`unmetered`, `mobile`/`metered` (as given to `CASA_NETWORK`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wifi" | "unmetered" | "ethernet" => Ok(Connection::Unmetered),
            "mobile" | "metered" | "cellular" => Ok(Connection::Metered),
            other => Err(format!("rete «{other}»: attesi wifi o mobile / network: expected wifi or mobile")),
        }
    }
}

pub trait NetworkSource {
    fn connection(&self) -> Connection;
}

/// The desktop build's answer, from Linux's routing table: the interface of
/// the default route is metered when it is a modem (`wwan*`, `ppp*`, `rmnet*`,
/// `wwp*`) or a USB-tethered phone (`usb*`, `enx*` with the `rndis_host`
/// driver is not told apart: it counts as cable). A fixed answer overrides it.
/// Android's `ConnectivityManager.isActiveNetworkMetered` and iOS's
/// `NWPath.isExpensive` are the same question on phones.
#[derive(Debug, Clone, Default)]
pub struct SystemNetwork {
    pub fixed: Option<Connection>,
}

impl SystemNetwork {
    /// The kind of the interface carrying the default route, from the text
    /// of `/proc/net/route`.
    pub fn classify(route_table: &str) -> Connection {
        let default_iface = route_table
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|f| f.len() > 2 && f[1] == "00000000")
            .map(|f| f[0].to_owned());
        match default_iface {
            None => Connection::Unknown,
            Some(i) if ["wwan", "ppp", "rmnet", "wwp", "usb"].iter().any(|p| i.starts_with(p)) => Connection::Metered,
            Some(_) => Connection::Unmetered,
        }
    }
}

impl NetworkSource for SystemNetwork {
    fn connection(&self) -> Connection {
        if let Some(c) = self.fixed {
            return c;
        }
        match std::fs::read_to_string("/proc/net/route") {
            Ok(table) => Self::classify(&table),
            Err(_) => Connection::Unknown,
        }
    }
}

#[cfg(test)]
mod network_tests {
    use super::*;

    const HEADER: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

    #[test]
    fn the_default_route_tells_a_modem_from_wifi() {
        let wifi = format!("{HEADER}wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n");
        let modem = format!("{HEADER}wwan0\t00000000\t00000000\t0001\t0\t0\t700\t00000000\t0\t0\t0\n");
        let local_only = format!("{HEADER}eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");
        assert_eq!(SystemNetwork::classify(&wifi), Connection::Unmetered);
        assert_eq!(SystemNetwork::classify(&modem), Connection::Metered);
        assert_eq!(SystemNetwork::classify(&local_only), Connection::Unknown);
        assert_eq!(SystemNetwork { fixed: Some(Connection::Metered) }.connection(), Connection::Metered);
    }

    #[test]
    fn a_network_kind_is_parsed_from_plain_words() {
        assert_eq!(Connection::parse("WiFi"), Ok(Connection::Unmetered));
        assert_eq!(Connection::parse("mobile"), Ok(Connection::Metered));
        assert!(Connection::parse("5g").is_err());
    }
}
