#!/usr/bin/python3
# A stand-in desktop notification server for the end-to-end tests: owns
# org.freedesktop.Notifications on the session bus (the private one scripts/test-app starts),
# records every Notify call as one JSON line on stdout, and "clicks" a notification when it reads
# `click ID` on stdin (sends ActionInvoked(ID, "default"), as a real server does on a click).
# Debian packages: python3-dbus, python3-gi (scripts/deps test).
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus):
        self.next_id = 0
        name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
        super().__init__(name, PATH)

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, timeout):
        self.next_id += 1
        print(json.dumps({
            "id": self.next_id,
            "app_name": str(app_name),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
        }), flush=True)
        return self.next_id

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("anemone-test-notifications", "AnemoneSync tests", "1.0", "1.2")

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action_key):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    server = Server(dbus.SessionBus())
    loop = GLib.MainLoop()

    def on_stdin(source, _cond):
        line = source.readline()
        if not line:
            loop.quit()
            return False
        parts = line.split()
        if len(parts) == 2 and parts[0] == "click":
            server.ActionInvoked(dbus.UInt32(int(parts[1])), "default")
        return True

    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    print(json.dumps({"ready": True}), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
