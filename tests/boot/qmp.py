#!/usr/bin/env python3
"""A small client of QEMU's machine protocol (QMP) for the boot tests and
benches: it connects to the UNIX socket QEMU was started with
(run-qemu.sh --qmp SOCKET), negotiates capabilities, runs commands and
waits for events.

  qmp.py SOCKET COMMAND ['JSON-ARGUMENTS']   runs one command, prints its
                                              "return" as JSON; exit 1 with
                                              QEMU's error on stderr
  qmp.py SOCKET --wait-event NAME SECONDS    waits for an event, prints it

As a module: Qmp(path, timeout).cmd(name, **args), .event(name, seconds).
"""
import json
import socket
import sys
import time


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=30.0):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise QmpError(f"no QMP socket at {path} after {timeout}s")
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError(f"not a QMP greeting: {greeting}")
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QEMU closed the QMP socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, command, /, **args):
        # command is positional only: QMP commands take arguments called
        # "name" too (set_link, device_del's qom paths, ...).
        msg = {"execute": command}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError(f"{name}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")

    def event(self, name, seconds):
        """The first event called name, seen already or within seconds."""
        end = time.monotonic() + seconds
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                raise QmpError(f"no {name} event within {seconds}s")
            self.sock.settimeout(left)
            try:
                self.events.append(self._read())
            except socket.timeout:
                raise QmpError(f"no {name} event within {seconds}s")

    def close(self):
        self.sock.close()


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        q = Qmp(argv[1])
        if argv[2] == "--wait-event":
            print(json.dumps(q.event(argv[3], float(argv[4]))))
        else:
            args = json.loads(argv[3]) if len(argv) > 3 else {}
            print(json.dumps(q.cmd(argv[2], **args)))
        q.close()
    except (QmpError, OSError, ValueError) as e:
        print(f"qmp.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
