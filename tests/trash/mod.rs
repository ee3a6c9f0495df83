//! Trash you can browse and restore (issue 16): the engine against the memory remote
//! ([`offline`]) and a hostile one ([`hostile`]), and the CLI against the real Samba ([`smb`]).

mod hostile;
mod offline;
mod smb;
