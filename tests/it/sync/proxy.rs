//! A TCP proxy on 127.0.0.1:0 in front of a server, for fault tests: each connection it accepts may be given a byte
//! budget (both directions together) after which the proxy drops both sides, cutting the transfer at that point;
//! the upstream address can be changed (a restarted server) while clients keep the proxy's address.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    /// Byte budget for the next connections (0: unlimited).
    budget: Arc<AtomicU64>,
    /// Connections the proxy cut.
    cuts: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = Proxy {
            addr,
            upstream: Arc::new(Mutex::new(upstream)),
            budget: Arc::new(AtomicU64::new(0)),
            cuts: Arc::new(AtomicUsize::new(0)),
        };
        let (up, budget, cuts) = (proxy.upstream.clone(), proxy.budget.clone(), proxy.cuts.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *up.lock().unwrap();
                let limit = budget.load(Ordering::SeqCst);
                let cuts = cuts.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else { return };
                    if pipe(client, server, limit).await {
                        cuts.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
    }

    /// Cut each later connection after `bytes` bytes (0: never).
    pub fn set_budget(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::SeqCst);
    }

    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

/// Copy both ways until either side closes or `limit` bytes (if not 0) have passed; true when the budget cut it.
async fn pipe(client: TcpStream, server: TcpStream, limit: u64) -> bool {
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let used = Arc::new(AtomicU64::new(0));
    let copy = |mut from: tokio::net::tcp::OwnedReadHalf,
                mut to: tokio::net::tcp::OwnedWriteHalf,
                used: Arc<AtomicU64>| async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            let before = used.fetch_add(n as u64, Ordering::SeqCst);
            if limit > 0 && before + n as u64 >= limit {
                let allowed = limit.saturating_sub(before) as usize;
                let _ = to.write_all(&buf[..allowed.min(n)]).await;
                return true;
            }
            if to.write_all(&buf[..n]).await.is_err() {
                return false;
            }
        }
    };
    let up = copy(cr, sw, used.clone());
    let down = copy(sr, cw, used);
    // Whichever direction ends first ends the connection (dropping both halves of both sockets).
    tokio::select! {
        cut = up => cut,
        cut = down => cut,
    }
}
