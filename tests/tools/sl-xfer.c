// SPDX-License-Identifier: Apache-2.0
/*
 * sl-xfer: byte-exact TCP transfers with adversarial I/O patterns (a test tool).
 *
 *   sl-xfer server --port P [--once] [--timeout-ms T]
 *   sl-xfer client HOST PORT --mode MODE [--size N] [--size2 M] [--seed S]
 *                  [--rsize-max R] [--wsize-max W] [--conns C] [--duration-ms D]
 *                  [--pause-ms P] [--timeout-ms T]
 *
 * The server listens on [::]:P (dual stack). Per connection (one forked child each; with
 * --once one connection in the process itself) it reads a header (mode, sizes, seed,
 * token) and plays the server's role. It prints "listening port=P" when ready, then one
 * line per connection: "conn mode=M seed=S result=ok rx=N tx=N" or "... result=err: WHY"
 * (errors also go to stderr).
 *
 * The client prints one line per transfer and exits 0 only if all were exact:
 *   ok mode=M sent=N received=N sha=HEX seed=S conn=I
 *   err mode=M seed=S conn=I sent=N received=N: WHY
 * Data are seeded pseudo-random streams (A: client to server, B: server to client);
 * every receiver compares every byte with the regenerated stream and hashes it
 * (SHA-256); the server returns its count and hash in a trailer the client checks.
 * sha= is the SHA-256 of what the client received (of what it sent if it received
 * nothing). Read and write sizes are random in 1..R and 1..W (xorshift, from the seed).
 *
 * Modes:
 *   echo        client sends N bytes, server echoes them; both verify
 *   upload      client sends N bytes then shuts down; server verifies
 *   download    server sends N bytes then closes; client verifies
 *   peek        upload then download; receivers alternate MSG_PEEK and normal reads
 *   fionread    upload then download; receivers read only after FIONREAD > 0 and check
 *               that a read returns at least min(FIONREAD, buffer) bytes
 *   sendfile    upload then download, senders use sendfile(2) from a temporary file
 *   splice      upload then download, file -> pipe -> socket and socket -> pipe -> file
 *   halfclose   client sends N, shutdown(SHUT_WR); server must see EOF after exactly N,
 *               then sends M (--size2) and closes; client reads exactly M, then EOF
 *   halfclose-send  halfclose, and a send() after the client's SHUT_WR must fail (EPIPE)
 *   rst         server reads M (default 64 KiB) bytes then closes with SO_LINGER 0;
 *               the client must get ECONNRESET or EPIPE
 *   midclose-client  client sends M of N bytes (echoed) then close()s; the server must
 *               see EOF after exactly M bytes or a reset after at most M
 *   midclose-server  server sends M of N bytes then close()s while the client sends;
 *               the client must see EOF after exactly M bytes or a reset after at most M
 *   concurrent  --conns C (default 8) echo transfers in parallel
 *   slow        echo, the client pausing --pause-ms (default 5) between writes until
 *               N bytes or --duration-ms (default 2000) have passed
 * For rst and midclose-*, the client asks the server for its verdict on a second
 * connection (mode "verdict", by token). --conns runs C transfers of any mode in
 * parallel (one process each, seeds S, S+1, ...). No blocking operation waits longer
 * than --timeout-ms (default 10000) without progress.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN 64
#define TRL_LEN 256
#define BUF_MAX (4u << 20)
#define PIPE_CHUNK 65536
#define NSLOTS 4096
#define MSG_LEN 200

enum mode {
	MODE_ECHO,
	MODE_UPLOAD,
	MODE_DOWNLOAD,
	MODE_PEEK,
	MODE_FIONREAD,
	MODE_SENDFILE,
	MODE_SPLICE,
	MODE_HALFCLOSE,
	MODE_HALFCLOSE_SEND,
	MODE_RST,
	MODE_MIDCLOSE_CLIENT,
	MODE_MIDCLOSE_SERVER,
	MODE_CONCURRENT,
	MODE_SLOW,
	MODE_VERDICT,
	MODE_COUNT
};

static const char *const mode_names[MODE_COUNT] = {
	[MODE_ECHO] = "echo",
	[MODE_UPLOAD] = "upload",
	[MODE_DOWNLOAD] = "download",
	[MODE_PEEK] = "peek",
	[MODE_FIONREAD] = "fionread",
	[MODE_SENDFILE] = "sendfile",
	[MODE_SPLICE] = "splice",
	[MODE_HALFCLOSE] = "halfclose",
	[MODE_HALFCLOSE_SEND] = "halfclose-send",
	[MODE_RST] = "rst",
	[MODE_MIDCLOSE_CLIENT] = "midclose-client",
	[MODE_MIDCLOSE_SERVER] = "midclose-server",
	[MODE_CONCURRENT] = "concurrent",
	[MODE_SLOW] = "slow",
	[MODE_VERDICT] = "verdict",
};

enum { TX_WRITE, TX_SENDFILE, TX_SPLICE };
enum { RX_READ, RX_PEEK, RX_FIONREAD, RX_SPLICE };

struct params {
	uint32_t mode;
	uint64_t size;
	uint64_t size2;
	uint64_t seed;
	uint64_t token;
	uint32_t rmax;
	uint32_t wmax;
	uint32_t duration_ms;
	uint32_t pause_ms;
	uint32_t timeout_ms;
};

/* ---- time, PRNG, streams ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static void rng_init(struct rng *r, uint64_t seed, uint64_t salt)
{
	r->s = splitmix(seed ^ splitmix(salt));
	if (!r->s)
		r->s = 1;
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A size in 1..max: a quarter of the time a small one (1..16), else uniform. */
static size_t rng_size(struct rng *r, size_t max)
{
	uint64_t v = rng_next(r);

	if (max <= 1)
		return 1;
	if ((v & 3) == 0)
		return 1 + (v >> 8) % (max < 16 ? max : 16);
	return 1 + (v >> 8) % max;
}

/* The data stream: 8 bytes per PRNG step, read out as a byte sequence. */
struct gen {
	struct rng r;
	uint64_t word;
	unsigned int left;
	uint64_t pos;
};

static void gen_init(struct gen *g, uint64_t seed, uint64_t salt)
{
	rng_init(&g->r, seed, salt);
	g->left = 0;
	g->pos = 0;
}

static void gen_fill(struct gen *g, unsigned char *buf, size_t n)
{
	g->pos += n;
	while (n && g->left) {
		*buf++ = (unsigned char)g->word;
		g->word >>= 8;
		g->left--;
		n--;
	}
	while (n >= 8) {
		uint64_t w = rng_next(&g->r);

		memcpy(buf, &w, 8);
		buf += 8;
		n -= 8;
	}
	if (n) {
		g->word = rng_next(&g->r);
		g->left = 8;
		while (n) {
			*buf++ = (unsigned char)g->word;
			g->word >>= 8;
			g->left--;
			n--;
		}
	}
}

/* ---- SHA-256 ---- */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	f = s->h[5];
	g = s->h[6];
	h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] +
		     w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}

static void sha_update(struct sha256 *s, const unsigned char *p, size_t n)
{
	s->len += n;
	if (s->n) {
		size_t k = 64 - s->n < n ? 64 - s->n : n;

		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n < 64)
			return;
		sha_block(s, s->buf);
		s->n = 0;
	}
	while (n >= 64) {
		sha_block(s, p);
		p += 64;
		n -= 64;
	}
	memcpy(s->buf, p, n);
	s->n = n;
}

static void sha_final(const struct sha256 *in, unsigned char out[32])
{
	struct sha256 s = *in;
	uint64_t bits = s.len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (s.n < 56 ? 56 : 120) - s.n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha_update(&s, pad, padlen + 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s.h[i / 4] >> (24 - 8 * (i % 4)));
}

static void sha_hex(const struct sha256 *s, char out[65])
{
	unsigned char d[32];
	int i;

	sha_final(s, d);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* ---- wire format ---- */

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void hdr_encode(const struct params *p, unsigned char *b)
{
	memset(b, 0, HDR_LEN);
	memcpy(b, "SLX1", 4);
	put32(b + 4, p->mode);
	put64(b + 8, p->size);
	put64(b + 16, p->size2);
	put64(b + 24, p->seed);
	put64(b + 32, p->token);
	put32(b + 40, p->rmax);
	put32(b + 44, p->wmax);
	put32(b + 48, p->duration_ms);
	put32(b + 52, p->pause_ms);
	put32(b + 56, p->timeout_ms);
}

static int hdr_decode(const unsigned char *b, struct params *p)
{
	if (memcmp(b, "SLX1", 4))
		return -1;
	p->mode = get32(b + 4);
	p->size = get64(b + 8);
	p->size2 = get64(b + 16);
	p->seed = get64(b + 24);
	p->token = get64(b + 32);
	p->rmax = get32(b + 40);
	p->wmax = get32(b + 44);
	p->duration_ms = get32(b + 48);
	p->pause_ms = get32(b + 52);
	p->timeout_ms = get32(b + 56);
	if (p->mode >= MODE_COUNT || !p->rmax || !p->wmax || p->rmax > BUF_MAX ||
	    p->wmax > BUF_MAX || !p->timeout_ms)
		return -1;
	return 0;
}

/* The server's verdict on a connection: status, what it received and sent, the hash. */
struct trailer {
	uint32_t status; /* 0 ok */
	uint64_t rx;
	uint64_t tx;
	unsigned char sha[32];
	char msg[MSG_LEN];
};

static void trl_encode(const struct trailer *t, unsigned char *b)
{
	memset(b, 0, TRL_LEN);
	memcpy(b, "SLXT", 4);
	put32(b + 4, t->status);
	put64(b + 8, t->rx);
	put64(b + 16, t->tx);
	memcpy(b + 24, t->sha, 32);
	copy_str((char *)b + 56, TRL_LEN - 56, t->msg);
}

static int trl_decode(const unsigned char *b, struct trailer *t)
{
	if (memcmp(b, "SLXT", 4))
		return -1;
	t->status = get32(b + 4);
	t->rx = get64(b + 8);
	t->tx = get64(b + 16);
	memcpy(t->sha, b + 24, 32);
	copy_str(t->msg, sizeof(t->msg), (const char *)b + 56);
	return 0;
}

/* Verdicts shared between the server's children (rst and midclose-* ask for them). */
struct slot {
	uint64_t token;
	int state; /* 0 free, 1 running, 2 done */
	int status;
	uint64_t rx;
	uint64_t tx;
	char msg[MSG_LEN];
};

static struct slot *slots;

/* ---- blocking helpers with timeouts ---- */

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

static int write_all(int fd, const unsigned char *b, size_t n, int timeout_ms)
{
	while (n) {
		ssize_t r = send(fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r > 0) {
			b += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLOUT, timeout_ms))
			return -1;
	}
	return 0;
}

/* Reads exactly n bytes; returns n, fewer at EOF, -1 on error (errno). */
static ssize_t read_exact(int fd, unsigned char *b, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, b + got, n - got, MSG_DONTWAIT);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLIN, timeout_ms))
			return -1;
	}
	return (ssize_t)got;
}

/* Expects EOF next (twice: EOF stays). Returns 0, or -1 with a message. */
static int expect_eof(int fd, int timeout_ms, char *err, size_t errlen)
{
	unsigned char c;
	int i;

	for (i = 0; i < 2; i++) {
		ssize_t r = read_exact(fd, &c, 1, timeout_ms);

		if (r < 0) {
			snprintf(err, errlen, "waiting for EOF: %s", strerror(errno));
			return -1;
		}
		if (r > 0) {
			snprintf(err, errlen, "data after the end of the stream");
			return -1;
		}
	}
	return 0;
}

/* A temporary file (unlinked) holding n bytes of stream g; hashes them into h. */
static int make_stream_file(struct gen *g, uint64_t n, struct sha256 *h)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	unsigned char *buf = malloc(1 << 20);
	int fd;

	snprintf(path, sizeof(path), "%s/sl-xfer.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unlink(path);
	while (n) {
		size_t k = n < (1 << 20) ? (size_t)n : (1 << 20);

		gen_fill(g, buf, k);
		sha_update(h, buf, k);
		if (write(fd, buf, k) != (ssize_t)k) {
			free(buf);
			close(fd);
			return -1;
		}
		n -= k;
	}
	free(buf);
	return fd;
}

static int make_tmp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/sl-xfer.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* ---- the transfer engine: one socket, both directions, non-blocking with poll ---- */

struct side {
	const struct params *p;
	int fd;
	struct rng rng;
	int timeout_ms;
	/* sending */
	bool tx_on;
	int tx_method;
	bool tx_echo; /* send the stream received (never ahead of it) */
	uint64_t tx_total;
	uint64_t tx_done;
	bool tx_complete;
	bool shut_wr;
	uint64_t tx_end_ms; /* stop sending at this time (slow) */
	uint64_t tx_next_ms; /* no write before this time (slow) */
	unsigned int pause_ms;
	int tx_err; /* errno that ended sending (tolerated) */
	struct gen txg;
	struct sha256 txh;
	unsigned char *txbuf;
	size_t tx_off, tx_len;
	int tx_file;
	loff_t tx_foff;
	int tx_pipe[2];
	size_t tx_inpipe;
	/* receiving */
	bool rx_on;
	int rx_method;
	uint64_t rx_max; /* never more than this */
	bool rx_exact; /* complete at rx_max (else at EOF) */
	bool rx_follow; /* complete when everything sent came back */
	uint64_t rx_slack; /* bytes that may follow the stream (FIONREAD bound) */
	uint64_t rx_done;
	bool rx_eof;
	int rx_err; /* errno that ended receiving (tolerated) */
	struct gen rxg;
	struct sha256 rxh;
	unsigned char *rxbuf, *expbuf, *pkbuf, *pkbuf2;
	int rx_file;
	int rx_pipe[2];
	uint64_t fion_zero_since;
	uint64_t fion_max;
	bool peek_turn;
	/* how it ends */
	bool stop_tx_done; /* return as soon as sending is complete */
	bool tolerate_end; /* EOF too early, ECONNRESET, EPIPE end it instead of failing */
	uint64_t last_progress;
	unsigned int spins;
	char err[MSG_LEN];
};

static int side_init(struct side *s, const struct params *p, int fd, uint64_t rng_salt)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->fd = fd;
	s->timeout_ms = (int)p->timeout_ms;
	rng_init(&s->rng, p->seed, rng_salt);
	sha_init(&s->txh);
	sha_init(&s->rxh);
	s->tx_file = -1;
	s->rx_file = -1;
	s->tx_pipe[0] = s->tx_pipe[1] = -1;
	s->rx_pipe[0] = s->rx_pipe[1] = -1;
	s->txbuf = malloc(p->wmax);
	s->rxbuf = malloc(p->rmax > PIPE_CHUNK ? p->rmax : PIPE_CHUNK);
	s->expbuf = malloc(p->rmax > PIPE_CHUNK ? p->rmax : PIPE_CHUNK);
	s->pkbuf = malloc(p->rmax);
	s->pkbuf2 = malloc(p->rmax);
	if (!s->txbuf || !s->rxbuf || !s->expbuf || !s->pkbuf || !s->pkbuf2)
		return -1;
	return 0;
}

static void side_free(struct side *s)
{
	free(s->txbuf);
	free(s->rxbuf);
	free(s->expbuf);
	free(s->pkbuf);
	free(s->pkbuf2);
	if (s->tx_file >= 0)
		close(s->tx_file);
	if (s->rx_file >= 0)
		close(s->rx_file);
	if (s->tx_pipe[0] >= 0) {
		close(s->tx_pipe[0]);
		close(s->tx_pipe[1]);
	}
	if (s->rx_pipe[0] >= 0) {
		close(s->rx_pipe[0]);
		close(s->rx_pipe[1]);
	}
}

/* Sets up sending n bytes of stream (seed, salt) with method m. */
static int side_tx(struct side *s, int m, uint64_t n, uint64_t salt)
{
	s->tx_on = true;
	s->tx_method = m;
	s->tx_total = n;
	s->tx_done = 0;
	s->tx_complete = false;
	gen_init(&s->txg, s->p->seed, salt);
	sha_init(&s->txh);
	if (m == TX_SENDFILE || m == TX_SPLICE) {
		s->tx_file = make_stream_file(&s->txg, n, &s->txh);
		if (s->tx_file < 0)
			return -1;
		s->tx_foff = 0;
	}
	if (m == TX_SPLICE && pipe(s->tx_pipe))
		return -1;
	return 0;
}

static int side_rx(struct side *s, int m, uint64_t max, uint64_t salt)
{
	s->rx_on = true;
	s->rx_method = m;
	s->rx_max = max;
	s->rx_done = 0;
	s->rx_eof = false;
	gen_init(&s->rxg, s->p->seed, salt);
	sha_init(&s->rxh);
	if (m == RX_SPLICE) {
		s->rx_file = make_tmp_file();
		if (s->rx_file < 0 || pipe(s->rx_pipe))
			return -1;
	}
	return 0;
}

#define FAIL(s, ...)                                                                               \
	do {                                                                                       \
		snprintf((s)->err, sizeof((s)->err), __VA_ARGS__);                                 \
		return -1;                                                                         \
	} while (0)

static bool is_reset(int e)
{
	return e == ECONNRESET || e == EPIPE;
}

/* The most the next read may take. */
static uint64_t rx_cap(const struct side *s)
{
	if (s->rx_follow)
		return s->tx_done - s->rx_done;
	if (s->rx_exact)
		return s->rx_max - s->rx_done;
	/* until EOF: one more than allowed, so that extra bytes are seen */
	return s->rx_max - s->rx_done + 1;
}

static bool rx_complete(const struct side *s)
{
	if (!s->rx_on || s->rx_eof || s->rx_err)
		return true;
	if (s->rx_follow)
		return s->tx_complete && s->rx_done == s->tx_done;
	if (s->rx_exact)
		return s->rx_done == s->rx_max;
	return false;
}

/* Checks n received bytes in buf against the stream. */
static int rx_verify(struct side *s, const unsigned char *buf, size_t n)
{
	size_t i;

	if (s->rx_done + n > s->rx_max && !s->rx_follow)
		FAIL(s, "received more than the %llu bytes sent (%llu)",
		     (unsigned long long)s->rx_max, (unsigned long long)(s->rx_done + n));
	if (s->rx_follow && s->rx_done + n > s->tx_done)
		FAIL(s, "received more than sent (%llu > %llu)",
		     (unsigned long long)(s->rx_done + n), (unsigned long long)s->tx_done);
	gen_fill(&s->rxg, s->expbuf, n);
	if (memcmp(buf, s->expbuf, n)) {
		for (i = 0; i < n && buf[i] == s->expbuf[i]; i++)
			;
		if (n - i >= 4 && !memcmp(buf + i, "SLXT", 4))
			FAIL(s,
			     "the server's trailer came at offset %llu, before the end of the stream: the server got EOF early (bytes lost on the way)",
			     (unsigned long long)(s->rx_done + i));
		FAIL(s, "wrong byte at offset %llu: got 0x%02x, want 0x%02x",
		     (unsigned long long)(s->rx_done + i), buf[i], s->expbuf[i]);
	}
	sha_update(&s->rxh, buf, n);
	s->rx_done += n;
	s->last_progress = now_ms();
	return 0;
}

/* A receive error or EOF: fails, or ends receiving when tolerated. */
static int rx_end(struct side *s, ssize_t r)
{
	if (r == 0) {
		if (!s->rx_follow && !s->rx_exact) {
			s->rx_eof = true;
			return 0;
		}
		if (s->tolerate_end) {
			s->rx_eof = true;
			return 0;
		}
		FAIL(s, "EOF after %llu bytes, expected %llu", (unsigned long long)s->rx_done,
		     (unsigned long long)(s->rx_follow ? s->tx_done : s->rx_max));
	}
	if (errno == EAGAIN || errno == EINTR) {
		s->spins++;
		return 0;
	}
	if (s->tolerate_end && is_reset(errno)) {
		s->rx_err = errno;
		return 0;
	}
	FAIL(s, "receive after %llu bytes: %s", (unsigned long long)s->rx_done, strerror(errno));
}

static int rx_step(struct side *s)
{
	uint64_t cap = rx_cap(s);
	size_t n;
	ssize_t r;

	if (cap == 0)
		return 0;
	n = rng_size(&s->rng, s->p->rmax);
	if (n > cap)
		n = (size_t)cap;

	switch (s->rx_method) {
	case RX_PEEK:
		s->peek_turn = !s->peek_turn;
		if (s->peek_turn) {
			size_t n2 = rng_size(&s->rng, s->p->rmax), m;
			ssize_t p1, p2;

			if (n2 > cap)
				n2 = (size_t)cap;
			p1 = recv(s->fd, s->pkbuf, n, MSG_PEEK | MSG_DONTWAIT);
			if (p1 <= 0)
				return rx_end(s, p1);
			p2 = recv(s->fd, s->pkbuf2, n2, MSG_PEEK | MSG_DONTWAIT);
			if (p2 <= 0)
				FAIL(s, "second MSG_PEEK after a peek of %zd returned %zd (%s)", p1,
				     p2, p2 < 0 ? strerror(errno) : "EOF");
			m = (size_t)(p1 < p2 ? p1 : p2);
			if (memcmp(s->pkbuf, s->pkbuf2, m))
				FAIL(s, "two MSG_PEEKs at offset %llu disagree",
				     (unsigned long long)s->rx_done);
			if (p2 < p1 && (size_t)p2 < n2)
				FAIL(s, "MSG_PEEK of %zu saw %zd bytes after one saw %zd", n2, p2,
				     p1);
			n = rng_size(&s->rng, s->p->rmax);
			if (n > cap)
				n = (size_t)cap;
			r = recv(s->fd, s->rxbuf, n, MSG_DONTWAIT);
			if (r <= 0)
				FAIL(s, "read after a peek of %zd bytes returned %zd (%s)", p1, r,
				     r < 0 ? strerror(errno) : "EOF");
			m = (size_t)p1 < n ? (size_t)p1 : n;
			if ((size_t)r < m)
				FAIL(s, "read of %zu after a peek of %zd returned only %zd", n, p1,
				     r);
			if (memcmp(s->rxbuf, s->pkbuf, m))
				FAIL(s, "bytes read at offset %llu differ from the bytes peeked",
				     (unsigned long long)s->rx_done);
			return rx_verify(s, s->rxbuf, (size_t)r);
		}
		break;
	case RX_FIONREAD: {
		int avail = -1;
		unsigned char c;

		if (ioctl(s->fd, FIONREAD, &avail) < 0)
			FAIL(s, "FIONREAD: %s", strerror(errno));
		if (avail == 0) {
			r = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
			if (r <= 0)
				return rx_end(s, r); /* EOF, or nothing there yet */
			if (!s->fion_zero_since)
				s->fion_zero_since = now_ms();
			if (now_ms() - s->fion_zero_since > 1000)
				FAIL(s,
				     "FIONREAD stays 0 for 1 s while data is readable at offset %llu",
				     (unsigned long long)s->rx_done);
			s->spins++;
			return 0;
		}
		s->fion_zero_since = 0;
		if (avail < 0 || (uint64_t)avail > s->rx_max - s->rx_done + s->rx_slack)
			FAIL(s,
			     "FIONREAD %d at offset %llu: more than the %llu bytes that can follow",
			     avail, (unsigned long long)s->rx_done,
			     (unsigned long long)(s->rx_max - s->rx_done + s->rx_slack));
		if ((uint64_t)avail > s->fion_max)
			s->fion_max = (uint64_t)avail;
		r = recv(s->fd, s->rxbuf, n, MSG_DONTWAIT);
		if (r <= 0)
			FAIL(s, "read after FIONREAD %d returned %zd (%s)", avail, r,
			     r < 0 ? strerror(errno) : "EOF");
		if ((size_t)r < ((size_t)avail < n ? (size_t)avail : n))
			FAIL(s, "read of %zu after FIONREAD %d returned only %zd", n, avail, r);
		return rx_verify(s, s->rxbuf, (size_t)r);
	}
	case RX_SPLICE: {
		loff_t off = 0, roff = 0;
		size_t left;

		if (n > PIPE_CHUNK)
			n = PIPE_CHUNK;
		r = splice(s->fd, NULL, s->rx_pipe[1], NULL, n, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (r <= 0)
			return rx_end(s, r);
		for (left = (size_t)r; left;) {
			ssize_t w =
				splice(s->rx_pipe[0], NULL, s->rx_file, &off, left, SPLICE_F_MOVE);

			if (w <= 0)
				FAIL(s, "splice pipe -> file: %s", w < 0 ? strerror(errno) : "0");
			left -= (size_t)w;
		}
		if (pread(s->rx_file, s->rxbuf, (size_t)r, roff) != r)
			FAIL(s, "reading back the spliced file: %s", strerror(errno));
		return rx_verify(s, s->rxbuf, (size_t)r);
	}
	default:
		break;
	}
	r = recv(s->fd, s->rxbuf, n, MSG_DONTWAIT);
	if (r <= 0)
		return rx_end(s, r);
	return rx_verify(s, s->rxbuf, (size_t)r);
}

static uint64_t tx_target(const struct side *s)
{
	return s->tx_echo ? s->rx_done : s->tx_total;
}

static bool tx_pending(const struct side *s)
{
	return s->tx_off < s->tx_len || s->tx_inpipe || s->tx_done < tx_target(s);
}

static int tx_err(struct side *s, ssize_t r, const char *what)
{
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		s->spins++;
		return 0;
	}
	if (r < 0 && s->tolerate_end && is_reset(errno)) {
		s->tx_err = errno;
		s->tx_complete = true;
		return 0;
	}
	FAIL(s, "%s after %llu bytes: %s", what, (unsigned long long)s->tx_done,
	     r < 0 ? strerror(errno) : "returned 0");
}

static int tx_step(struct side *s)
{
	uint64_t left = tx_target(s) - s->tx_done;
	size_t n;
	ssize_t r;

	switch (s->tx_method) {
	case TX_SENDFILE:
		n = rng_size(&s->rng, s->p->wmax);
		if (n > left)
			n = (size_t)left;
		r = sendfile(s->fd, s->tx_file, &s->tx_foff, n);
		if (r <= 0)
			return tx_err(s, r, "sendfile");
		s->tx_done += (size_t)r;
		break;
	case TX_SPLICE:
		if (!s->tx_inpipe) {
			n = rng_size(&s->rng, s->p->wmax);
			if (n > left)
				n = (size_t)left;
			if (n > PIPE_CHUNK)
				n = PIPE_CHUNK;
			r = splice(s->tx_file, &s->tx_foff, s->tx_pipe[1], NULL, n, SPLICE_F_MOVE);
			if (r <= 0)
				FAIL(s, "splice file -> pipe: %s", r < 0 ? strerror(errno) : "0");
			s->tx_inpipe = (size_t)r;
		}
		r = splice(s->tx_pipe[0], NULL, s->fd, NULL, s->tx_inpipe,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (r <= 0)
			return tx_err(s, r, "splice pipe -> socket");
		s->tx_inpipe -= (size_t)r;
		s->tx_done += (size_t)r;
		break;
	default:
		if (s->tx_off == s->tx_len) {
			n = rng_size(&s->rng, s->p->wmax);
			if (n > left)
				n = (size_t)left;
			gen_fill(&s->txg, s->txbuf, n);
			sha_update(&s->txh, s->txbuf, n);
			s->tx_off = 0;
			s->tx_len = n;
		}
		r = send(s->fd, s->txbuf + s->tx_off, s->tx_len - s->tx_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r <= 0)
			return tx_err(s, r, "send");
		s->tx_off += (size_t)r;
		s->tx_done += (size_t)r;
		if (s->pause_ms && s->tx_off == s->tx_len)
			s->tx_next_ms = now_ms() + s->pause_ms;
		break;
	}
	s->last_progress = now_ms();
	return 0;
}

/* Sending is over when everything is out (echo: and the peer's stream ended). */
static void tx_update(struct side *s)
{
	if (s->tx_complete)
		return;
	if (s->tx_on && s->tx_end_ms && now_ms() >= s->tx_end_ms && s->tx_total > s->tx_done)
		s->tx_total = s->tx_done + (s->tx_len - s->tx_off);
	if (s->tx_on) {
		if (tx_pending(s))
			return;
		if (s->tx_echo && !(s->rx_eof || s->rx_err))
			return;
	}
	s->tx_complete = true;
	if (s->shut_wr)
		shutdown(s->fd, SHUT_WR);
}

static int run(struct side *s)
{
	s->last_progress = now_ms();
	for (;;) {
		struct pollfd pfd = { .fd = s->fd };
		uint64_t now, idle;
		int timeout, n;
		bool want_rx, want_tx;

		if (s->rx_err)
			s->tx_complete = true; /* a reset ends both directions */
		tx_update(s);
		if (s->tx_complete && rx_complete(s))
			return 0;
		if (s->stop_tx_done && s->tx_complete)
			return 0;
		now = now_ms();
		idle = now - s->last_progress;
		if (idle >= (uint64_t)s->timeout_ms)
			FAIL(s, "stalled %d ms: sent %llu/%llu, received %llu", s->timeout_ms,
			     (unsigned long long)s->tx_done, (unsigned long long)tx_target(s),
			     (unsigned long long)s->rx_done);
		timeout = s->timeout_ms - (int)idle;
		want_tx = !s->tx_complete && tx_pending(s);
		if (want_tx && s->tx_next_ms > now) {
			if ((int)(s->tx_next_ms - now) < timeout)
				timeout = (int)(s->tx_next_ms - now);
			want_tx = false;
		}
		if (!s->tx_complete && s->tx_end_ms > now && (int)(s->tx_end_ms - now) < timeout)
			timeout = (int)(s->tx_end_ms - now) + 1;
		want_rx = !rx_complete(s) && rx_cap(s) > 0;
		pfd.events = (short)((want_tx ? POLLOUT : 0) | (want_rx ? POLLIN : 0));
		if (!pfd.events) {
			/* only waiting for the clock (slow) */
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (s->spins > 64) {
			/* readable but nothing to read (poll and the queue disagree) */
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			s->spins = 0;
		}
		n = poll(&pfd, 1, timeout);
		if (n < 0 && errno != EINTR)
			FAIL(s, "poll: %s", strerror(errno));
		if (n <= 0)
			continue;
		if (want_rx && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) && rx_step(s))
			return -1;
		if (want_tx && !s->tx_complete && !s->rx_err &&
		    (pfd.revents & (POLLOUT | POLLERR | POLLHUP)) && tx_step(s))
			return -1;
	}
}

/* ---- the server ---- */

static int server_timeout_ms = 10000;

static void verdict_set(const struct params *p, int status, uint64_t rx, uint64_t tx,
			const char *msg)
{
	struct slot *sl;

	if (!slots || !p->token)
		return;
	sl = &slots[p->token % NSLOTS];
	sl->status = status;
	sl->rx = rx;
	sl->tx = tx;
	copy_str(sl->msg, sizeof(sl->msg), msg);
	__atomic_store_n(&sl->token, p->token, __ATOMIC_RELEASE);
	__atomic_store_n(&sl->state, 2, __ATOMIC_RELEASE);
}

static void send_trailer(int fd, int status, const struct side *s, const char *msg, int tmo)
{
	struct trailer t = { .status = (uint32_t)status, .rx = s->rx_done, .tx = s->tx_done };
	unsigned char b[TRL_LEN];

	sha_final(&s->rxh, t.sha);
	copy_str(t.msg, sizeof(t.msg), msg);
	trl_encode(&t, b);
	write_all(fd, b, TRL_LEN, tmo);
}

static void linger0_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int mode_tx_method(uint32_t m)
{
	return m == MODE_SENDFILE ? TX_SENDFILE : m == MODE_SPLICE ? TX_SPLICE : TX_WRITE;
}

static int mode_rx_method(uint32_t m)
{
	switch (m) {
	case MODE_PEEK:
		return RX_PEEK;
	case MODE_FIONREAD:
		return RX_FIONREAD;
	case MODE_SPLICE:
		return RX_SPLICE;
	default:
		return RX_READ;
	}
}

/* Sizes of the two phases: client -> server, then server -> client. */
static void phase_sizes(const struct params *p, uint64_t *up, uint64_t *down)
{
	*up = p->mode == MODE_DOWNLOAD ? 0 : p->size;
	*down = p->mode == MODE_UPLOAD ? 0 : p->mode == MODE_DOWNLOAD ? p->size : p->size2;
}

static int serve_verdict(int fd, const struct params *p)
{
	struct slot *sl = &slots[p->token % NSLOTS];
	uint64_t deadline = now_ms() + p->timeout_ms;
	struct trailer t = { 0 };
	unsigned char b[TRL_LEN];

	while (__atomic_load_n(&sl->token, __ATOMIC_ACQUIRE) != p->token ||
	       __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != 2) {
		struct timespec ts = { 0, 10000000 };

		if (now_ms() > deadline) {
			t.status = 1;
			snprintf(t.msg, sizeof(t.msg), "no verdict for this token within %u ms",
				 p->timeout_ms);
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	t.status = (uint32_t)sl->status;
	t.rx = sl->rx;
	t.tx = sl->tx;
	copy_str(t.msg, sizeof(t.msg), sl->msg);
out:
	trl_encode(&t, b);
	write_all(fd, b, TRL_LEN, (int)p->timeout_ms);
	close(fd);
	return 0;
}

/* Plays the server's role on one connection. Returns 0 when it went as it should. */
static int serve(int fd)
{
	unsigned char hb[HDR_LEN];
	struct params p;
	struct side s;
	char msg[MSG_LEN] = "";
	uint64_t up, down;
	int rc = -1;
	ssize_t r;

	r = read_exact(fd, hb, HDR_LEN, server_timeout_ms);
	if (r != HDR_LEN || hdr_decode(hb, &p)) {
		fprintf(stderr, "sl-xfer server: bad or missing header (%zd bytes)\n", r);
		close(fd);
		return -1;
	}
	if (p.mode == MODE_VERDICT)
		return serve_verdict(fd, &p);
	if (side_init(&s, &p, fd, 4)) {
		close(fd);
		return -1;
	}
	phase_sizes(&p, &up, &down);

	switch (p.mode) {
	case MODE_ECHO:
	case MODE_CONCURRENT:
	case MODE_SLOW:
	case MODE_MIDCLOSE_CLIENT:
		side_rx(&s, RX_READ, p.size, 1);
		s.tx_on = true;
		s.tx_echo = true;
		gen_init(&s.txg, p.seed, 1);
		if (p.mode == MODE_MIDCLOSE_CLIENT) {
			s.tolerate_end = true;
			s.shut_wr = false;
		}
		if (run(&s))
			break;
		if (p.mode == MODE_MIDCLOSE_CLIENT) {
			uint64_t k = p.size2;

			if (s.rx_err && s.rx_done > k)
				snprintf(s.err, sizeof(s.err),
					 "reset after %llu bytes, more than the %llu sent",
					 (unsigned long long)s.rx_done, (unsigned long long)k);
			else if (!s.rx_err && s.rx_done != k)
				snprintf(s.err, sizeof(s.err),
					 "EOF after %llu bytes, the client sent %llu",
					 (unsigned long long)s.rx_done, (unsigned long long)k);
			else
				rc = 0;
			snprintf(msg, sizeof(msg), "ended by %s",
				 s.rx_err ? strerror(s.rx_err) : "EOF");
			close(fd);
			fd = -1;
			break;
		}
		send_trailer(fd, 0, &s, "", s.timeout_ms);
		rc = 0;
		break;
	case MODE_RST: {
		uint64_t k = p.size2 < p.size ? p.size2 : p.size;

		side_rx(&s, RX_READ, k, 1);
		s.rx_exact = true;
		if (run(&s))
			break;
		linger0_close(fd);
		fd = -1;
		rc = 0;
		break;
	}
	case MODE_MIDCLOSE_SERVER:
		side_rx(&s, RX_READ, p.size, 1);
		s.tolerate_end = true;
		if (side_tx(&s, TX_WRITE, p.size2 < p.size ? p.size2 : p.size, 2))
			break;
		s.stop_tx_done = true;
		if (run(&s))
			break;
		close(fd);
		fd = -1;
		rc = 0;
		break;
	default: {
		/* two phases: up (client -> server) until EOF, then down */
		int txm = mode_tx_method(p.mode);

		if (side_rx(&s, mode_rx_method(p.mode), up, 1))
			goto setup_failed;
		if (run(&s))
			break;
		if (s.rx_done != up) {
			snprintf(s.err, sizeof(s.err), "EOF after %llu bytes, the client sent %llu",
				 (unsigned long long)s.rx_done, (unsigned long long)up);
			break;
		}
		if (p.mode == MODE_HALFCLOSE || p.mode == MODE_HALFCLOSE_SEND) {
			if (expect_eof(fd, s.timeout_ms, s.err, sizeof(s.err)))
				break;
			send_trailer(fd, 0, &s, "", s.timeout_ms);
		}
		s.rx_on = false;
		if (side_tx(&s, txm, down, 2))
			goto setup_failed;
		if (run(&s))
			break;
		if (p.mode != MODE_HALFCLOSE && p.mode != MODE_HALFCLOSE_SEND)
			send_trailer(fd, 0, &s, "", s.timeout_ms);
		rc = 0;
		break;
	setup_failed:
		snprintf(s.err, sizeof(s.err), "setting up files/pipes: %s", strerror(errno));
		break;
	}
	}

	if (rc == 0) {
		printf("conn mode=%s seed=%llu result=ok rx=%llu tx=%llu%s%s\n", mode_names[p.mode],
		       (unsigned long long)p.seed, (unsigned long long)s.rx_done,
		       (unsigned long long)s.tx_done, *msg ? " " : "", msg);
		verdict_set(&p, 0, s.rx_done, s.tx_done, msg);
	} else {
		printf("conn mode=%s seed=%llu result=err rx=%llu tx=%llu: %s\n",
		       mode_names[p.mode], (unsigned long long)p.seed,
		       (unsigned long long)s.rx_done, (unsigned long long)s.tx_done, s.err);
		fprintf(stderr, "sl-xfer server: mode=%s seed=%llu: %s\n", mode_names[p.mode],
			(unsigned long long)p.seed, s.err);
		verdict_set(&p, 1, s.rx_done, s.tx_done, s.err);
		if (fd >= 0)
			send_trailer(fd, 1, &s, s.err, 1000);
	}
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	side_free(&s);
	return rc;
}

static int server_main(int port, bool once)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int one = 1, zero = 0, lfd;

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 256)) {
		fprintf(stderr, "sl-xfer server: listen on [::]:%d: %s\n", port, strerror(errno));
		return 1;
	}
	slots = mmap(NULL, sizeof(*slots) * NSLOTS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("sl-xfer server: mmap");
		return 1;
	}
	if (!once)
		signal(SIGCHLD, SIG_IGN);
	printf("listening port=%d\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("sl-xfer server: accept");
			return 1;
		}
		if (once) {
			close(lfd);
			return serve(fd) ? 1 : 0;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			_exit(serve(fd) ? 1 : 0);
		}
		if (pid < 0)
			perror("sl-xfer server: fork");
		close(fd);
	}
}

/* ---- the client ---- */

static const char *c_host, *c_port;

static int dial(int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, e, rc;
	socklen_t len = sizeof(e);

	rc = getaddrinfo(c_host, c_port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "resolve %s: %s", c_host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto fail;
	}
	if (wait_fd(fd, POLLOUT, timeout_ms)) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) || e) {
		snprintf(err, errlen, "connect: %s", strerror(e));
		goto fail;
	}
	freeaddrinfo(ai);
	return fd;
fail:
	freeaddrinfo(ai);
	close(fd);
	return -1;
}

static int get_trailer(int fd, struct trailer *t, int tmo, char *err, size_t errlen)
{
	unsigned char b[TRL_LEN];
	ssize_t r = read_exact(fd, b, TRL_LEN, tmo);

	if (r != TRL_LEN) {
		snprintf(err, errlen, "reading the server's trailer: %s",
			 r < 0 ? strerror(errno) : "EOF");
		return -1;
	}
	if (trl_decode(b, t)) {
		snprintf(err, errlen, "garbage where the server's trailer should be");
		return -1;
	}
	if (t->status) {
		snprintf(err, errlen, "server: %.180s", t->msg);
		return -1;
	}
	return 0;
}

/* The server's trailer must agree with what this side sent. */
static int check_trailer(const struct trailer *t, const struct side *s, char *err, size_t len)
{
	unsigned char d[32];

	if (t->rx != s->tx_done) {
		snprintf(err, len, "server received %llu bytes, client sent %llu",
			 (unsigned long long)t->rx, (unsigned long long)s->tx_done);
		return -1;
	}
	sha_final(&s->txh, d);
	if (memcmp(d, t->sha, 32)) {
		snprintf(err, len, "server's SHA-256 of what it received differs");
		return -1;
	}
	return 0;
}

static int ask_verdict(const struct params *p, struct trailer *t, char *err, size_t errlen)
{
	struct params q = *p;
	unsigned char hb[HDR_LEN];
	int fd, rc;

	fd = dial((int)p->timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	q.mode = MODE_VERDICT;
	hdr_encode(&q, hb);
	if (write_all(fd, hb, HDR_LEN, (int)p->timeout_ms)) {
		snprintf(err, errlen, "verdict request: %s", strerror(errno));
		close(fd);
		return -1;
	}
	rc = get_trailer(fd, t, (int)p->timeout_ms * 2, err, errlen);
	close(fd);
	return rc;
}

/* One transfer. Prints its line; returns 0 when exact. */
static int client_one(struct params p, int conn)
{
	unsigned char hb[HDR_LEN];
	struct trailer t;
	struct side s;
	char err[MSG_LEN] = "", hex[65];
	const char *name = mode_names[p.mode];
	uint64_t up, down;
	int fd, rc = -1;

	p.token = splitmix(p.seed ^ ((uint64_t)getpid() << 20) ^ now_ms()) | 1;
	if (side_init(&s, &p, -1, 3)) {
		snprintf(err, sizeof(err), "out of memory");
		fd = -1;
		goto out;
	}
	fd = dial((int)p.timeout_ms, err, sizeof(err));
	if (fd < 0)
		goto out;
	s.fd = fd;
	hdr_encode(&p, hb);
	if (write_all(fd, hb, HDR_LEN, (int)p.timeout_ms)) {
		snprintf(err, sizeof(err), "sending the header: %s", strerror(errno));
		goto out;
	}
	phase_sizes(&p, &up, &down);

	switch (p.mode) {
	case MODE_ECHO:
	case MODE_CONCURRENT:
	case MODE_SLOW:
		side_tx(&s, TX_WRITE, p.size, 1);
		side_rx(&s, RX_READ, p.size, 1);
		s.rx_follow = true;
		s.shut_wr = true;
		if (p.mode == MODE_SLOW) {
			s.pause_ms = p.pause_ms;
			s.tx_end_ms = now_ms() + p.duration_ms;
		}
		if (run(&s))
			goto engine_failed;
		if (get_trailer(fd, &t, s.timeout_ms, err, sizeof(err)) ||
		    check_trailer(&t, &s, err, sizeof(err)) ||
		    expect_eof(fd, s.timeout_ms, err, sizeof(err)))
			goto out;
		rc = 0;
		break;
	case MODE_RST:
		side_tx(&s, TX_WRITE, p.size, 1);
		side_rx(&s, RX_READ, 0, 2);
		s.tolerate_end = true;
		if (run(&s))
			goto engine_failed;
		if (!s.tx_err && !s.rx_err) {
			snprintf(err, sizeof(err), "EOF instead of a reset (sent %llu)",
				 (unsigned long long)s.tx_done);
			goto out;
		}
		close(fd);
		fd = -1;
		if (ask_verdict(&p, &t, err, sizeof(err)))
			goto out;
		snprintf(err, sizeof(err), "%s", strerror(s.rx_err ? s.rx_err : s.tx_err));
		rc = 0;
		break;
	case MODE_MIDCLOSE_CLIENT:
		side_tx(&s, TX_WRITE, p.size2 < p.size ? p.size2 : p.size, 1);
		side_rx(&s, RX_READ, p.size, 1);
		s.rx_follow = true;
		s.stop_tx_done = true;
		if (run(&s))
			goto engine_failed;
		close(fd);
		fd = -1;
		if (ask_verdict(&p, &t, err, sizeof(err)))
			goto out;
		if (t.rx > s.tx_done) {
			snprintf(err, sizeof(err), "server received %llu bytes, client sent %llu",
				 (unsigned long long)t.rx, (unsigned long long)s.tx_done);
			goto out;
		}
		snprintf(err, sizeof(err), "server %.180s", t.msg);
		rc = 0;
		break;
	case MODE_MIDCLOSE_SERVER: {
		uint64_t k = p.size2 < p.size ? p.size2 : p.size;

		side_tx(&s, TX_WRITE, p.size, 1);
		side_rx(&s, RX_READ, p.size, 2);
		s.tolerate_end = true;
		s.shut_wr = true;
		if (run(&s))
			goto engine_failed;
		if (s.rx_err ? s.rx_done > k : s.rx_done != k) {
			snprintf(err, sizeof(err), "%s after %llu bytes, the server sent %llu",
				 s.rx_err ? strerror(s.rx_err) : "EOF",
				 (unsigned long long)s.rx_done, (unsigned long long)k);
			goto out;
		}
		close(fd);
		fd = -1;
		if (ask_verdict(&p, &t, err, sizeof(err)))
			goto out;
		snprintf(err, sizeof(err), "ended by %s", s.rx_err ? strerror(s.rx_err) : "EOF");
		rc = 0;
		break;
	}
	default:
		/* two phases */
		if (side_tx(&s, mode_tx_method(p.mode), up, 1)) {
			snprintf(err, sizeof(err), "setting up files/pipes: %s", strerror(errno));
			goto out;
		}
		s.shut_wr = true;
		if (run(&s))
			goto engine_failed;
		if (p.mode == MODE_HALFCLOSE_SEND) {
			ssize_t r = send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (r != -1 || errno != EPIPE) {
				snprintf(
					err, sizeof(err),
					"send() of 1 byte after shutdown(SHUT_WR) returned %zd (%s), want -1 EPIPE",
					r, r < 0 ? strerror(errno) : "accepted");
				goto out;
			}
		}
		if (p.mode == MODE_HALFCLOSE || p.mode == MODE_HALFCLOSE_SEND) {
			if (get_trailer(fd, &t, s.timeout_ms, err, sizeof(err)) ||
			    check_trailer(&t, &s, err, sizeof(err)))
				goto out;
		}
		if (side_rx(&s, mode_rx_method(p.mode), down, 2)) {
			snprintf(err, sizeof(err), "setting up files/pipes: %s", strerror(errno));
			goto out;
		}
		s.tx_on = false;
		s.rx_exact = true;
		s.rx_slack =
			p.mode == MODE_HALFCLOSE || p.mode == MODE_HALFCLOSE_SEND ? 0 : TRL_LEN;
		if (run(&s))
			goto engine_failed;
		if (p.mode != MODE_HALFCLOSE && p.mode != MODE_HALFCLOSE_SEND &&
		    (get_trailer(fd, &t, s.timeout_ms, err, sizeof(err)) ||
		     check_trailer(&t, &s, err, sizeof(err))))
			goto out;
		if (expect_eof(fd, s.timeout_ms, err, sizeof(err)))
			goto out;
		rc = 0;
		break;
	}
	goto out;
engine_failed:
	copy_str(err, sizeof(err), s.err);
out:
	if (rc == 0) {
		sha_hex(s.rx_done ? &s.rxh : &s.txh, hex);
		printf("ok mode=%s sent=%llu received=%llu sha=%s seed=%llu conn=%d%s%s\n", name,
		       (unsigned long long)s.tx_done, (unsigned long long)s.rx_done, hex,
		       (unsigned long long)p.seed, conn, *err ? " " : "", err);
	} else {
		printf("err mode=%s seed=%llu conn=%d sent=%llu received=%llu: %s\n", name,
		       (unsigned long long)p.seed, conn, (unsigned long long)s.tx_done,
		       (unsigned long long)s.rx_done, err);
	}
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	side_free(&s);
	return rc;
}

static int client_main(struct params *p, int conns)
{
	int i, status, failed = 0;
	pid_t pid;

	if (conns == 1)
		return client_one(*p, 0) ? 1 : 0;
	for (i = 0; i < conns; i++) {
		struct params q = *p;

		q.seed = p->seed + (uint64_t)i;
		pid = fork();
		if (pid == 0)
			_exit(client_one(q, i) ? 1 : 0);
		if (pid < 0) {
			printf("err mode=%s conn=%d: fork: %s\n", mode_names[p->mode], i,
			       strerror(errno));
			failed++;
		}
	}
	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed ? 1 : 0;
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sl-xfer server --port P [--once] [--timeout-ms T]\n"
		"       sl-xfer client HOST PORT --mode MODE [--size N] [--size2 M] [--seed S]\n"
		"                      [--rsize-max R] [--wsize-max W] [--conns C]\n"
		"                      [--duration-ms D] [--pause-ms P] [--timeout-ms T]\n"
		"modes: echo upload download peek fionread sendfile splice halfclose halfclose-send\n"
		"       rst midclose-client midclose-server concurrent slow\n"
		"sizes take a K, M or G suffix (powers of 1024)\n");
}

static uint64_t parse_num(const char *s, uint64_t min, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (errno || *end || !*s || *s == '-' || v < min || v > max) {
		fprintf(stderr, "sl-xfer: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct params p = {
		.mode = MODE_COUNT,
		.size = 1 << 20,
		.seed = 1,
		.rmax = 65536,
		.wmax = 65536,
		.duration_ms = 2000,
		.pause_ms = 5,
		.timeout_ms = 10000,
	};
	bool size2_set = false, once = false, server;
	int i, conns = 0, port = -1, npos = 0;
	const char *pos[2] = { NULL, NULL };
	unsigned int m;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		usage(argc > 1 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	server = !strcmp(argv[1], "server");
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--once")) {
			once = true;
			continue;
		}
		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-' || !a[1]) {
			if (npos == 2) {
				usage(stderr);
				return 2;
			}
			pos[npos++] = a;
			continue;
		}
		if (!v) {
			fprintf(stderr, "sl-xfer: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--port")) {
			port = (int)parse_num(v, 0, 65535, "port");
		} else if (!strcmp(a, "--mode")) {
			for (m = 0; m < MODE_VERDICT && strcmp(v, mode_names[m]); m++)
				;
			if (m == MODE_VERDICT) {
				fprintf(stderr, "sl-xfer: unknown mode '%s'\n", v);
				return 2;
			}
			p.mode = m;
		} else if (!strcmp(a, "--size")) {
			p.size = parse_num(v, 0, 1ull << 40, "size");
		} else if (!strcmp(a, "--size2")) {
			p.size2 = parse_num(v, 0, 1ull << 40, "size2");
			size2_set = true;
		} else if (!strcmp(a, "--seed")) {
			p.seed = parse_num(v, 0, UINT64_MAX, "seed");
		} else if (!strcmp(a, "--rsize-max")) {
			p.rmax = (uint32_t)parse_num(v, 1, BUF_MAX, "rsize-max");
		} else if (!strcmp(a, "--wsize-max")) {
			p.wmax = (uint32_t)parse_num(v, 1, BUF_MAX, "wsize-max");
		} else if (!strcmp(a, "--conns")) {
			conns = (int)parse_num(v, 1, 1024, "conns");
		} else if (!strcmp(a, "--duration-ms")) {
			p.duration_ms = (uint32_t)parse_num(v, 0, 3600000, "duration-ms");
		} else if (!strcmp(a, "--pause-ms")) {
			p.pause_ms = (uint32_t)parse_num(v, 0, 60000, "pause-ms");
		} else if (!strcmp(a, "--timeout-ms")) {
			p.timeout_ms = (uint32_t)parse_num(v, 1, 3600000, "timeout-ms");
		} else {
			fprintf(stderr, "sl-xfer: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (server) {
		if (port < 0 || npos) {
			usage(stderr);
			return 2;
		}
		server_timeout_ms = (int)p.timeout_ms;
		return server_main(port, once);
	}
	if (npos != 2 || p.mode == MODE_COUNT) {
		usage(stderr);
		return 2;
	}
	c_host = pos[0];
	c_port = pos[1];
	if (!size2_set) {
		switch (p.mode) {
		case MODE_RST:
			p.size2 = 65536;
			if (p.size < p.size2)
				p.size2 = p.size;
			break;
		case MODE_MIDCLOSE_CLIENT:
		case MODE_MIDCLOSE_SERVER:
			p.size2 = p.size / 2;
			break;
		default:
			p.size2 = p.size;
			break;
		}
	}
	if (!conns)
		conns = p.mode == MODE_CONCURRENT ? 8 : 1;
	return client_main(&p, conns);
}
