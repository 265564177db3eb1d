#pragma once
// The archive holds everyone's mail: its files are the owner's alone. SQLite
// creates a database 0644 & ~umask and gives its -wal and -shm the database
// file's mode, so creating the (empty) database file 0600 ourselves, before
// SQLite opens it, makes all three 0600 whatever the umask.
//
// Touches only the mode of the files at `path`, `path`-wal and `path`-shm;
// never their content. Never fails: what it cannot do is logged as a warning
// (SQLite then reports a file it cannot open in its own words).

#include <string>

namespace store {

// Creates `path` 0600 when missing; removes group and other permissions from
// `path`, `path`-wal and `path`-shm when they have any.
void secure_database_files(const std::string& path);

}  // namespace store
