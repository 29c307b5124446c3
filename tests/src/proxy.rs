//! A TCP proxy that injects the faults of a bad mobile network between the
//! app and the server: connections cut mid-request (and so mid-upload),
//! answers dropped after the server has acted on the request, answers cut
//! halfway, and stalls. Faults are drawn per connection from a seeded
//! generator, so a failing run can be replayed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Close after forwarding this many bytes of the request.
    CutRequest(usize),
    /// Forward the request, then close as soon as the answer starts: the
    /// server has done the work, the client never hears of it.
    DropResponse,
    /// Forward this many bytes of the answer, then close.
    CutResponse(usize),
    /// Hold the answer back this long, once.
    Stall(Duration),
}

/// How often each fault happens, in percent (the rest pass untouched).
#[derive(Debug, Clone, Copy)]
pub struct FaultRates {
    pub cut_request: u64,
    pub drop_response: u64,
    pub cut_response: u64,
    pub stall: u64,
}

#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub cut_request: AtomicU64,
    pub drop_response: AtomicU64,
    pub cut_response: AtomicU64,
    pub stall: AtomicU64,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    pub counts: Arc<FaultCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy").field("addr", &self.addr).finish()
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

impl FaultProxy {
    pub async fn start(target: SocketAddr, rates: FaultRates, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let target = Arc::new(Mutex::new(target));
        let counts = Arc::new(FaultCounts::default());
        let (t, c) = (target.clone(), counts.clone());
        let task = tokio::spawn(async move {
            let mut rng = Rng(seed | 1);
            while let Ok((client, _)) = listener.accept().await {
                let roll = rng.next() % 100;
                let size = (rng.next() % 96_000) as usize;
                let fault = if roll < rates.cut_request {
                    Fault::CutRequest(size)
                } else if roll < rates.cut_request + rates.drop_response {
                    Fault::DropResponse
                } else if roll < rates.cut_request + rates.drop_response + rates.cut_response {
                    Fault::CutResponse(size % 4096)
                } else if roll < rates.cut_request + rates.drop_response + rates.cut_response + rates.stall {
                    Fault::Stall(Duration::from_millis(200 + rng.next() % 1_300))
                } else {
                    Fault::Pass
                };
                // Links do not last: after this many answer bytes the connection
                // drops (possibly mid-answer), so clients reconnect and meet new faults.
                let lifetime = 8_000 + (rng.next() % 120_000) as usize;
                let upstream = *t.lock().unwrap_or_else(|e| e.into_inner());
                tokio::spawn(relay(client, upstream, fault, lifetime, c.clone()));
            }
        });
        Ok(Self { addr, target, counts, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points new connections at another server (after a restart).
    pub fn retarget(&self, target: SocketAddr) {
        *self.target.lock().unwrap_or_else(|e| e.into_inner()) = target;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, fault: Fault, lifetime: usize, counts: Arc<FaultCounts>) {
    counts.connections.fetch_add(1, Ordering::Relaxed);
    let counter = match fault {
        Fault::Pass => None,
        Fault::CutRequest(_) => Some(&counts.cut_request),
        Fault::DropResponse => Some(&counts.drop_response),
        Fault::CutResponse(_) => Some(&counts.cut_response),
        Fault::Stall(_) => Some(&counts.stall),
    };
    if let Some(c) = counter {
        c.fetch_add(1, Ordering::Relaxed);
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    // Forward each write as it comes, or Nagle and delayed ACKs add 40 ms a request.
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    // Bytes carried both ways; the link drops once it passes `lifetime`.
    let carried = AtomicU64::new(0);
    let alive = |n: usize| (carried.fetch_add(n as u64, Ordering::Relaxed) + n as u64) < lifetime as u64;
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut sent = 0usize;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Fault::CutRequest(limit) = fault {
                if sent + n > limit {
                    let _ = sw.write_all(&buf[..limit.saturating_sub(sent)]).await;
                    break;
                }
            }
            if sw.write_all(&buf[..n]).await.is_err() || !alive(n) {
                break;
            }
            sent += n;
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut sent = 0usize;
        let mut stalled = false;
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            match fault {
                Fault::DropResponse => break,
                Fault::CutResponse(limit) if sent + n > limit => {
                    let _ = cw.write_all(&buf[..limit.saturating_sub(sent)]).await;
                    break;
                }
                // One long pause in the middle of an answer.
                Fault::Stall(d) if !stalled => {
                    stalled = true;
                    tokio::time::sleep(d).await;
                }
                _ => {}
            }
            if cw.write_all(&buf[..n]).await.is_err() || !alive(n) {
                break;
            }
            sent += n;
        }
    };
    // Whichever side ends first ends the connection, as a dropped radio link does.
    tokio::select! {
        () = up => {},
        () = down => {},
    }
}
