# Python packages of the load and fault tools (scripts/hotline_load), pinned, in the project venv.
# Sourced, not executed. Expects ROOT.
install_load_python() {
  if ! "$ROOT/.tools/venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("aiohttp") != "3.11.18")' 2>/dev/null; then
    printf '\033[1;34m[load-tools]\033[0m installing aiohttp 3.11.18\n'
    "$ROOT/.tools/venv/bin/pip" install -q "aiohttp==3.11.18"
  fi
}
