#!/usr/bin/env python3
"""Holds the write lock of a SQLite database (as another process would) until a line arrives on stdin.
Used to make Capturebox's embedded store refuse writes for real, without mocks."""
import sqlite3
import sys

connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
connection.close()
print("released", flush=True)
