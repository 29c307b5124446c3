//! The page at `/`: what this server is and where its entry points are.

use axum::extract::State;
use axum::response::Html;

use crate::platform::state::AppState;

pub async fn home(State(state): State<AppState>) -> Html<String> {
    let directory = state.directory();
    let routing = if directory.router.is_approximate() {
        "approssimato, per centro abitato (importa i confini ufficiali) / approximate, by town centre (import the official boundaries)"
    } else {
        "confini ufficiali ISTAT / official ISTAT boundaries"
    };
    Html(format!(
        r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Casa del Cittadino – server</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}
h1{{color:#0066cc}}code{{background:#f0f3f7;padding:.1rem .3rem;border-radius:3px}}li{{margin:.3rem 0}}a{{color:#0059b3}}</style></head>
<body>
<h1>Casa del Cittadino</h1>
<p>Server di sincronizzazione della piattaforma civica della Città Metropolitana di Bari.<br>
<span lang="en">Sync server of the civic platform of the Metropolitan City of Bari.</span></p>
<ul>
<li>Comuni: <strong>{comuni}</strong></li>
<li>Instradamento / routing: {routing}</li>
<li>Database: {backend}</li>
</ul>
<h2>Punti di accesso / Entry points</h2>
<ul>
<li><a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>: API dell'app (OpenAPI) / the app's API</li>
<li><a href="/api/v1/comuni"><code>/api/v1/comuni</code></a>: Comuni, servizi e categorie / Comuni, services and categories</li>
<li><a href="/open311/v2/services.json"><code>/open311/v2/services.json</code></a>: Open311 GeoReport v2</li>
<li><a href="/readyz"><code>/readyz</code></a>, <a href="/metrics"><code>/metrics</code></a>: stato e metriche / readiness and metrics</li>
</ul>
<p><a href="/dashboard">Pannello del personale</a> (moderazione, uffici) / <span lang="en">staff dashboard</span>.</p>
</body></html>"#,
        comuni = directory.comuni.len(),
        backend = state.store().backend(),
    ))
}
