//! A TCP proxy on loopback in front of the emulator, switched between
//! forwarding, closing connections and never responding, to play a failing dependency.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with each new connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Forward to the emulator.
    Forward = 0,
    /// Close the connection at once, as an unreachable service would.
    Close = 1,
    /// Accept and never respond, as a service that hangs would.
    Hang = 2,
}

/// How long a hanging connection is held before the proxy drops it.
const HANG_LIMIT: Duration = Duration::from_secs(60);

pub struct Proxy {
    pub url: String,
    mode: Arc<AtomicU8>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free port of 127.0.0.1 forwarding to `target` (`host:port`).
    pub async fn start(target: String, mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let mode = Arc::new(AtomicU8::new(mode as u8));
        let task = tokio::spawn(accept_loop(listener, target, mode.clone()));
        Self { url, mode, task }
    }

    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, target: String, mode: Arc<AtomicU8>) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        let current = mode.load(Ordering::SeqCst);
        let target = target.clone();
        tokio::spawn(async move {
            if current == Mode::Close as u8 {
                drop(inbound);
            } else if current == Mode::Hang as u8 {
                tokio::time::sleep(HANG_LIMIT).await;
                drop(inbound);
            } else if let Ok(mut outbound) = TcpStream::connect(&target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}
