//! The listening side: a thread accepting connections, a thread per connection (serving it
//! with [`http1::serve`]), and stopping: no more connections accepted, idle ones closed, the
//! requests in flight answered.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::engine::Engine;
use super::http1::{self, Connection, Ending, Permits};

/// The most connections served at once; more wait in the listening socket's backlog until
/// one ends.
const MAX_CONNECTIONS: usize = 1024;
/// How long a connection closed with input left unread is read from (and what of it is
/// thrown away), so that the client reads the answer rather than a reset.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 64 << 20;

/// A running server (see the module documentation); it stops when dropped.
pub(crate) struct Server {
    addr: SocketAddr,
    engine: Arc<Engine>,
    shared: Arc<Shared>,
    /// The listening socket (the accepting thread has a handle of its own), shut down to
    /// wake that thread when the server stops.
    listener: Option<TcpListener>,
    acceptor: Option<JoinHandle<()>>,
    workers: usize,
}

/// What the accepting thread and the connections share.
struct Shared {
    stopping: AtomicBool,
    conns: Mutex<Conns>,
    /// Notified when a connection ends.
    ended: Condvar,
    permits: Permits,
    /// The read and write timeout of every connection.
    idle_timeout: Option<Duration>,
}

/// The open connections.
#[derive(Default)]
struct Conns {
    next_id: u64,
    open: HashMap<u64, Open>,
}

/// An open connection: a handle on its socket (to close it when the server stops while it
/// waits for a request), and whether it is answering one.
struct Open {
    stream: TcpStream,
    busy: Arc<AtomicBool>,
}

fn lock(conns: &Mutex<Conns>) -> MutexGuard<'_, Conns> {
    conns.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Server {
    /// Serves `engine` on `listener`, at most `workers` requests answered at once, closing a
    /// connection that sends nothing and takes nothing for `idle_timeout`.
    pub fn start(
        listener: TcpListener,
        engine: Engine,
        workers: usize,
        idle_timeout: Option<Duration>,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let engine = Arc::new(engine);
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            conns: Mutex::default(),
            ended: Condvar::new(),
            permits: Permits::new(workers),
            idle_timeout,
        });
        let handle = listener.try_clone()?;
        let acceptor = {
            let (engine, shared) = (engine.clone(), shared.clone());
            std::thread::Builder::new()
                .name("openai-local-accept".into())
                .spawn(move || accept(&listener, &engine, &shared))?
        };
        Ok(Server {
            addr,
            engine,
            shared,
            listener: Some(handle),
            acceptor: Some(acceptor),
            workers,
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The engine served.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The most requests answered at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Blocks until the accepting thread ends (it never does on its own).
    pub fn join(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }

    /// Stops accepting connections, closes the idle ones, and waits until the requests in
    /// flight are answered and every connection has ended.
    fn stop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            // Wake the thread blocked in `accept`: shutting the socket down does it on Linux;
            // a connection of our own does it everywhere.
            if let Some(listener) = &self.listener {
                let _ = socket2::SockRef::from(listener).shutdown(Shutdown::Both);
            }
            let _ = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_secs(1));
            // It may be waiting for a connection to end instead.
            drop(lock(&self.shared.conns));
            self.shared.ended.notify_all();
            let _ = acceptor.join();
        }
        // The port closes with the last handle on the socket.
        self.listener = None;
        let mut conns = lock(&self.shared.conns);
        for open in conns.open.values() {
            // A busy connection ends after its answer (it reads `stopping` once not busy).
            if !open.busy.load(Ordering::SeqCst) {
                let _ = open.stream.shutdown(Shutdown::Both);
            }
        }
        while !conns.open.is_empty() {
            conns = self
                .shared
                .ended
                .wait(conns)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The address that reaches a socket bound to `addr` (loopback for the unspecified address).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// The accepting thread: a thread for each connection, until the server stops.
fn accept(listener: &TcpListener, engine: &Arc<Engine>, shared: &Arc<Shared>) {
    loop {
        {
            let mut conns = lock(&shared.conns);
            while conns.open.len() >= MAX_CONNECTIONS && !shared.stopping.load(Ordering::SeqCst) {
                conns = shared
                    .ended
                    .wait(conns)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        match accepted {
            Ok((stream, _)) => {
                // Without resources for a thread the connection is closed; the client sees it.
                let _ = spawn_connection(stream, engine, shared);
            }
            // Out of file descriptors, say: give the connections time to end.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Registers a connection and starts its thread.
fn spawn_connection(
    stream: TcpStream,
    engine: &Arc<Engine>,
    shared: &Arc<Shared>,
) -> io::Result<()> {
    let busy = Arc::new(AtomicBool::new(false));
    let handle = stream.try_clone()?;
    let id = {
        let mut conns = lock(&shared.conns);
        let id = conns.next_id;
        conns.next_id += 1;
        conns.open.insert(
            id,
            Open {
                stream: handle,
                busy: busy.clone(),
            },
        );
        id
    };
    let (engine, shared2) = (engine.clone(), shared.clone());
    let spawned = std::thread::Builder::new()
        .name("openai-local".into())
        .spawn(move || {
            connection(&stream, &engine, &shared2, &busy);
            // The engine is let go before the connection is struck off, so that a stopping
            // server that sees no connection left holds the engine's last reference.
            drop(engine);
            lock(&shared2.conns).open.remove(&id);
            shared2.ended.notify_all();
        });
    if let Err(e) = spawned {
        lock(&shared.conns).open.remove(&id);
        return Err(e);
    }
    Ok(())
}

/// A connection's thread: serves it, then closes it.
fn connection(stream: &TcpStream, engine: &Engine, shared: &Shared, busy: &AtomicBool) {
    // A read or write that times out fails, which ends the connection (or, in the middle of
    // a body, the request: its handler sees the error).
    if stream.set_read_timeout(shared.idle_timeout).is_err()
        || stream.set_write_timeout(shared.idle_timeout).is_err()
    {
        return;
    }
    let conn = Connection {
        engine,
        stopping: &shared.stopping,
        busy,
        permits: Some(&shared.permits),
    };
    if http1::serve(stream, stream, &conn) == Ending::Unread {
        linger(stream);
    }
}

/// Closes the writing side and reads (for a while, up to a limit) what the client still
/// sends, so that closing with unread bytes does not reset the connection before the client
/// has read the answer.
fn linger(mut stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let started = Instant::now();
    let mut buf = [0; 8192];
    let mut read = 0;
    while read < LINGER_BYTES && started.elapsed() < LINGER {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
}
