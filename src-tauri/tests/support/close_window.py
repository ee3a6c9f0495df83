#!/usr/bin/python3
"""Asks X windows to close, the way a window manager's close button does: a WM_DELETE_WINDOW
client message (Xvfb runs no window manager, and xdotool can only destroy or kill).
Usage: close_window.py WINDOW_ID...   (decimal ids, e.g. from `xdotool search --name`)."""
import sys

from Xlib import X, display, protocol

d = display.Display()
protocols = d.intern_atom("WM_PROTOCOLS")
delete = d.intern_atom("WM_DELETE_WINDOW")
for wid in sys.argv[1:]:
    w = d.create_resource_object("window", int(wid))
    ev = protocol.event.ClientMessage(
        window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
    )
    w.send_event(ev, event_mask=X.NoEventMask)
d.sync()
