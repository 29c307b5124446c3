//! Prometheus metrics, one registry per application instance (so tests that
//! run several servers in one process do not share counters).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IngestLabels {
    pub source: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `webhook` or `open311`.
    pub kind: &'static str,
    /// `delivered`, `retry`, `failed` (attempts exhausted) or `withdrawn`.
    pub outcome: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    pub registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    pub reports_ingested: Family<IngestLabels, Counter>,
    pub routing_seconds: Histogram,
    pub deliveries: Family<DeliveryLabels, Counter>,
}

fn latency_buckets() -> Histogram {
    Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("casa");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", http_requests.clone());
        let http_duration = Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_buckets);
        registry.register("http_request_duration_seconds", "HTTP request latency", http_duration.clone());
        let reports_ingested = Family::<IngestLabels, Counter>::default();
        registry.register("reports_ingested", "Reports received, by outcome", reports_ingested.clone());
        // Routing is sub-microsecond; buckets start at 100 ns.
        let routing_seconds = Histogram::new([1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 1e-4, 1e-3, 1e-2]);
        registry.register("routing_seconds", "Time to route one point to its Comune", routing_seconds.clone());
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register("deliveries", "Attempts to deliver reports to back-offices, by outcome", deliveries.clone());
        Self { registry, http_requests, http_duration, reports_ingested, routing_seconds, deliveries }
    }
}

impl Metrics {
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
