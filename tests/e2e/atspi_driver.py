#!/usr/bin/python3
"""Drives a desktop app through the accessibility tree (AT-SPI), as a person
with a mouse would: find a control by its role and accessible name, scroll
it into view, click its centre with xdotool. Run inside `dbus-run-session`
under an X server; the app is started here so it shares the session bus.

    atspi_driver.py APP_NAME -- COMMAND [ARGS...]

Reads one JSON command per line on stdin, answers one JSON line on stdout, after "@@ ":
  {"op": "click", "role": "push button", "name": "Invia", "exact": true}
  {"op": "type", "text": "buca"}
  {"op": "wait_text", "text": "In moderazione", "timeout": 90}
  {"op": "screenshot", "path": "/tmp/x.png"}
  {"op": "quit"}
Finding controls through their accessible names also checks that the app
labels them for screen readers.
"""
import json
import os
import subprocess
import sys
import time

import pyatspi


def walk(acc, depth=0):
    yield acc
    if depth > 80:
        return
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is not None:
            yield from walk(child, depth + 1)


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return ""


def find_app(name, timeout):
    end = time.time() + timeout
    while time.time() < end:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == name:
                return app
        time.sleep(0.01)
    return None


def matches(acc, role, name, exact):
    try:
        if role and acc.getRoleName() != role:
            return False
        label = acc.name or ""
        return label == name if exact else name in label
    except Exception:
        return False


def find(app, role, name, exact, timeout):
    end = time.time() + timeout
    while True:
        for acc in walk(app):
            if matches(acc, role, name, exact):
                return acc
        if time.time() > end:
            return None
        time.sleep(0.2)


def names(app, limit=80):
    out = []
    for acc in walk(app):
        try:
            if acc.name:
                out.append(f"{acc.getRoleName()}:{acc.name}")
        except Exception:
            pass
        if len(out) >= limit:
            break
    return out


def centre(acc):
    comp = acc.queryComponent()
    try:
        comp.scrollTo(pyatspi.SCROLL_ANYWHERE)
        time.sleep(0.3)
    except Exception:
        pass
    e = comp.getExtents(pyatspi.DESKTOP_COORDS)
    return e.x + e.width // 2, e.y + e.height // 2


def main():
    app_name = sys.argv[1]
    command = sys.argv[sys.argv.index("--") + 1:]
    started = time.monotonic()
    proc = subprocess.Popen(command)
    app = find_app(app_name, 60)
    # Daemons the session bus starts share this stdout: answers are marked.
    reply = lambda **kw: (sys.stdout.write("@@ " + json.dumps(kw) + "\n"), sys.stdout.flush())
    if app is None:
        reply(ok=False, error=f"{app_name} did not appear in the accessibility tree")
        proc.kill()
        return
    reply(ok=True, ready=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op == "click":
                acc = find(app, cmd.get("role"), cmd["name"], cmd.get("exact", True), cmd.get("timeout", 20))
                if acc is None:
                    reply(ok=False, error=f"no {cmd.get('role')} named {cmd['name']!r}", seen=names(app))
                    continue
                x, y = centre(acc)
                subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)
                time.sleep(cmd.get("settle", 0.4))
                reply(ok=True, x=x, y=y)
            elif op == "type":
                # Without a window manager nobody gives the window the
                # keyboard focus: the driver does, as a click would with one.
                title = app.getChildAtIndex(0).name
                found = subprocess.run(["xdotool", "search", "--name", title], capture_output=True, text=True).stdout.split()
                for window in found:
                    subprocess.run(["xdotool", "windowfocus", "--sync", window], check=False)
                subprocess.run(["xdotool", "type", "--delay", "30", cmd["text"]], check=True)
                time.sleep(0.3)
                reply(ok=True)
            elif op == "wait_text":
                end = time.time() + cmd.get("timeout", 20)
                found = None
                while found is None and time.time() < end:
                    for acc in walk(app):
                        if cmd["text"] in (acc.name or "") or cmd["text"] in text_of(acc):
                            found = acc
                            break
                    else:
                        time.sleep(0.3)
                if found is None:
                    reply(ok=False, error=f"text {cmd['text']!r} not on screen", seen=names(app))
                else:
                    reply(ok=True)
            elif op == "screenshot":
                # The accessibility tree can have the text before the webview
                # paints it: a blank screen makes a tiny PNG, so try again
                # until the picture has something in it.
                end = time.time() + cmd.get("timeout", 10)
                while True:
                    time.sleep(0.3)
                    subprocess.run(["import", "-window", "root", cmd["path"]], check=True)
                    size = os.path.getsize(cmd["path"])
                    if size > 1000 or time.time() > end:
                        break
                reply(ok=True)
            elif op == "ready_after":
                # Seconds from the app's launch until a control shows up:
                # the bench's "interactive" moment.
                acc = None
                end = time.time() + cmd.get("timeout", 30)
                while acc is None and time.time() < end:
                    acc = next((a for a in walk(app) if matches(a, cmd.get("role"), cmd["name"], True)), None)
                    if acc is None:
                        time.sleep(0.01)
                elapsed = time.monotonic() - started
                if acc is None:
                    reply(ok=False, error=f"no {cmd.get('role')} named {cmd['name']!r}")
                else:
                    reply(ok=True, seconds=elapsed)
            elif op == "quit":
                reply(ok=True)
                break
            else:
                reply(ok=False, error=f"unknown op {op}")
        except Exception as e:  # the test shows it; the driver keeps going
            reply(ok=False, error=repr(e))
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    main()
