# Python packages of the load and fault tools (scripts/hotline_load), pinned, in the project venv.
# Sourced, not executed. Expects ROOT.
install_load_python() {
  if ! "$ROOT/.tools/venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("aiohttp") != "3.11.18")' 2>/dev/null; then
    printf '\033[1;34m[load-tools]\033[0m installing aiohttp 3.11.18\n'
    "$ROOT/.tools/venv/bin/pip" install -q "aiohttp==3.11.18"
  fi
}

# wrk from Debian, and librdkafka's rdkafka_performance built from the source package bootstrap.sh
# uses (the same 2.8.0 the services link), against the installed library.
install_bench_tools() {
  if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  fi
  if [ ! -x "$ROOT/.tools/bin/rdkafka_performance" ]; then
    printf '\033[1;34m[load-tools]\033[0m building rdkafka_performance 2.8.0\n'
    local src="$ROOT/.tools/src"
    mkdir -p "$src" "$ROOT/.tools/bin"
    (
      cd "$src"
      [ -f librdkafka_2.8.0.orig.tar.gz ] || apt-get source --download-only "librdkafka=2.8.0-1" >/dev/null
      [ -d librdkafka-2.8.0 ] || tar xf librdkafka_2.8.0.orig.tar.gz
      cd librdkafka-2.8.0
      [ -f config.h ] || ./configure --disable-curl >/dev/null
      gcc -O2 -I src examples/rdkafka_performance.c -o "$ROOT/.tools/bin/rdkafka_performance" \
        -L/usr/local/lib -Wl,-rpath,/usr/local/lib -lrdkafka -lpthread -lm
    )
  fi
}
