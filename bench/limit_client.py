#!/usr/bin/env python3
"""The reference "limit": the least a POP3S client can do to fetch a mailbox.

    limit_client.py --host 127.0.0.1 --port 995 --ca ca.pem --accounts FILE

FILE has one "user password" line per account. For every account (all at
once, up to --concurrency) it connects with TLS (certificate verified against
--ca, host name checked), sends USER, PASS and STAT in one write, then every
RETR and QUIT in one write, and only counts the bytes and the message
terminators that come back. Nothing is parsed, stored or synced: a real client
cannot be faster on the same link, which makes this the yardstick.

Prints one JSON object: {"accounts": N, "messages": M, "bytes": B, "failed": [...]}.
Exit status 1 when any account failed.
"""

import argparse
import asyncio
import json
import ssl
import sys

READ_SIZE = 256 * 1024
TERMINATOR = b"\r\n.\r\n"  # end of every RETR reply (RFC 1939 §3)


class Failure(Exception):
    pass


async def read_status(reader, what):
    line = await reader.readline()
    if not line.startswith(b"+OK"):
        raise Failure(f"{what}: {line[:80]!r}")
    return line


async def fetch(host, port, context, user, password):
    reader, writer = await asyncio.open_connection(
        host, port, ssl=context, server_hostname=host, limit=READ_SIZE
    )
    try:
        await read_status(reader, "greeting")
        writer.write(f"USER {user}\r\nPASS {password}\r\nSTAT\r\n".encode())
        await read_status(reader, "USER")
        await read_status(reader, "PASS")
        stat = await read_status(reader, "STAT")
        count = int(stat.split()[1])

        writer.write(b"".join(b"RETR %d\r\n" % n for n in range(1, count + 1)) + b"QUIT\r\n")
        # Read to the end: QUIT's reply follows the last message and the
        # server then closes the connection.
        received = 0
        seen = 0
        last = b""  # the end of the stream so far: a terminator may straddle two reads
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            received += len(data)
            window = last[-(len(TERMINATOR) - 1):] + data
            seen += window.count(TERMINATOR)
            last = data[-64:] if len(data) >= 64 else (last + data)[-64:]
        if seen != count:
            raise Failure(f"connection closed after {seen} of {count} messages")
        quit_ok = (b"\r\n.\r\n+OK" in last) if count else last.startswith(b"+OK")
        if not (quit_ok and last.endswith(b"\r\n")):
            raise Failure(f"no +OK to QUIT after the last message: {last!r}")
        return count, received
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--accounts", required=True, help='file with "user password" lines')
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.ca)
    with open(args.accounts) as f:
        accounts = [line.split() for line in f if line.strip()]

    limit = asyncio.Semaphore(args.concurrency)
    failed = []

    async def one(user, password):
        async with limit:
            try:
                return await fetch(args.host, args.port, context, user, password)
            except (Failure, OSError, ssl.SSLError, ValueError, IndexError) as e:
                failed.append(f"{user}: {e}")
                return 0, 0

    results = await asyncio.gather(*(one(u, p) for u, p in accounts))
    print(
        json.dumps(
            {
                "accounts": len(accounts),
                "messages": sum(r[0] for r in results),
                "bytes": sum(r[1] for r in results),
                "failed": failed,
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
