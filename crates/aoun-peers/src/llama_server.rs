//! The llama.cpp server of llama-cpp-python on a loopback port: the office server the tests and
//! the load test (`aoun bench office --start-server`) run against. `scripts/setup.sh` installs it
//! in a throwaway Python environment.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server has to load its model and open its port.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The Python of the environment holding llama-cpp-python's server, as `scripts/setup.sh` makes
/// it: `$AOUN_LLAMA_SERVER_PYTHON`, else `bin/python` in `$AOUN_LLAMA_SERVER_VENV`, else in
/// `aoun/llama-server-venv` under the user's cache folder.
pub fn llama_server_python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("AOUN_LLAMA_SERVER_PYTHON") {
        return Some(python.into());
    }
    let venv = std::env::var_os("AOUN_LLAMA_SERVER_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            directories::BaseDirs::new().map(|d| d.cache_dir().join("aoun/llama-server-venv"))
        })?;
    Some(venv.join("bin/python"))
}

/// A free port on the loopback address.
pub fn free_loopback_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A llama.cpp server on a loopback port, stopped when dropped. A small Python parent kills it
/// when its standard input closes, so that even a process that panics leaves no server behind.
pub struct LlamaServer {
    child: Child,
    url: String,
}

impl LlamaServer {
    /// Starts the server of `python`'s environment on `127.0.0.1:port` with the GGUF `model` and
    /// `threads` CPU threads, and waits until it has loaded the model and listens.
    pub fn start(python: &Path, model: &Path, port: u16, threads: usize) -> Result<Self, String> {
        if !python.exists() {
            return Err(format!(
                "the llama.cpp server's Python {} is missing (run scripts/setup.sh)",
                python.display()
            ));
        }
        let mut child = Command::new(python)
            .args(["-c", "import subprocess,sys; p=subprocess.Popen(sys.argv[1:]); sys.stdin.read(); p.kill(); p.wait()"])
            .arg(python)
            .args(["-m", "llama_cpp.server", "--host", "127.0.0.1"])
            .args(["--n_threads", &threads.max(1).to_string()])
            .args(["--port", &port.to_string(), "--model"])
            .arg(model)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("the llama.cpp server cannot be started: {e}"))?;
        let waited = Instant::now();
        // The server opens its port once the model is loaded.
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = matches!(child.try_wait(), Ok(Some(_)));
            if exited || waited.elapsed() > START_TIMEOUT {
                drop(child.stdin.take());
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the llama.cpp server did not open port {port} within {} s",
                    START_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(LlamaServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Its address, for `OpenAiServer::new` or `--llm-server`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
