"""Run by the system Python (it needs PyGObject and WebKitGTK): load one check page in WebKitGTK, print its result.

`python3 webkit_driver.py URL PROXY TIMEOUT_S`: every request goes to PROXY (anki-build's refusing proxy);
the page writes its JSON into `<pre id="result">`, printed to stdout. Exit 3 when WebKitGTK is missing.
"""

from __future__ import annotations

import sys


def main() -> int:
    url, proxy, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        gi.require_version("WebKit2", "4.1")
        from gi.repository import GLib, Gtk, WebKit2
    except (ImportError, ValueError) as exc:
        print(f"WebKitGTK is not available: {exc}", file=sys.stderr)
        return 3
    if not Gtk.init_check(sys.argv)[0]:
        print("WebKitGTK needs a display (run under xvfb-run)", file=sys.stderr)
        return 3
    manager = WebKit2.WebsiteDataManager.new_ephemeral()
    manager.set_network_proxy_settings(WebKit2.NetworkProxyMode.CUSTOM, WebKit2.NetworkProxySettings.new(proxy, []))
    context = WebKit2.WebContext.new_with_website_data_manager(manager)
    view = WebKit2.WebView.new_with_context(context)
    window = Gtk.OffscreenWindow()
    window.set_default_size(430, 900)
    window.add(view)
    window.show_all()
    out: dict[str, str] = {}
    loop = GLib.MainLoop()

    def finished(source: object, result: object, _data: object = None) -> None:
        try:
            value = view.evaluate_javascript_finish(result)
            text = value.to_string() if value is not None and not value.is_null() else ""
        except GLib.Error:
            text = ""
        if text:
            out["result"] = text
            loop.quit()

    def poll() -> bool:
        script = "(document.getElementById('result') || {}).textContent || ''"
        view.evaluate_javascript(script, -1, None, None, None, finished, None)
        return "result" not in out

    def give_up() -> bool:
        loop.quit()
        return False

    view.load_uri(url)
    GLib.timeout_add(150, poll)
    GLib.timeout_add(int(timeout * 1000), give_up)
    loop.run()
    if "result" not in out:
        print("WebKitGTK returned no result in time", file=sys.stderr)
        return 1
    sys.stdout.write(out["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
