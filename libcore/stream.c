/* stream.c - the lungpipe stream: see man/lungpipe-stream.5.
 *
 *   stream  = header record* end
 *   header  = "LUNGPIPE" u16 major u16 minor u32 plen prov[plen] u32 crc
 *   record  = "FRAM" u32 hlen hdr[hlen] payload "FEND" u32 crc
 *   end     = "ENDS" u64 nframes u32 crc
 * All integers little-endian; crc is zlib's CRC-32.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <zlib.h>

#include "lp_crc.h"
#include "lp_ofile.h"
#include "lp_stream.h"
#include "lp_version.h"

#define MAGIC "LUNGPIPE"
#define TAG_FRAME "FRAM"
#define TAG_FEND "FEND"
#define TAG_END "ENDS"
#define MAX_HDR (16u << 20)  /* frame header or provenance: 16 MiB */
#define FIXED_HDR (3 * 8 + 3 * 8 + 3 * 8 + 9 * 8 + 4 + 4)
#define IOBUF (1u << 20)

struct lp_reader {
	FILE *fp;
	int own;
	char *name;
	char *prov;
	int major, minor;
	long nframes;
	int done;
};

struct lp_writer {
	FILE *fp;
	lp_ofile *of;
	const char *path;
	char *prov;
	long nframes;
	int failed;
};

/* ---- little-endian buffer helpers ---- */

typedef struct {
	unsigned char *p;
	size_t len, cap;
} buf_t;

static int buf_put(buf_t *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *p = lp_realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
	return 0;
}

static void le_store(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le_load(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int buf_u(buf_t *b, uint64_t v, int n)
{
	unsigned char t[8];
	le_store(t, v, n);
	return buf_put(b, t, (size_t)n);
}

static int buf_f64(buf_t *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	return buf_u(b, v, 8);
}

typedef struct {
	const unsigned char *p;
	size_t len, off;
	int bad;
} rd_t;

static uint64_t rd_u(rd_t *r, int n)
{
	if (r->bad || r->len - r->off < (size_t)n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = le_load(r->p + r->off, n);
	r->off += (size_t)n;
	return v;
}

static double rd_f64(rd_t *r)
{
	uint64_t v = rd_u(r, 8);
	double d;
	memcpy(&d, &v, 8);
	return d;
}

static const char *rd_bytes(rd_t *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	const char *s = (const char *)r->p + r->off;
	r->off += n;
	return s;
}

static uLong crc_update(uLong crc, const void *p, size_t n)
{
	return lp_crc32((uint32_t)crc, p, n);
}

/* ---- provenance ---- */

char *lp_provenance_line(const char *tool, int argc, char **argv)
{
	buf_t b = {0};
	char head[256];
	snprintf(head, sizeof head, "%s %s:", tool, LP_VERSION);
	if (buf_put(&b, head, strlen(head)) < 0)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int quote = !*a || strpbrk(a, " \t\n'\"\\$`*?") != NULL;
		if (buf_put(&b, " ", 1) < 0 || (quote && buf_put(&b, "'", 1) < 0))
			goto fail;
		for (const char *p = a; *p; p++) {
			char c = (*p == '\n') ? ' ' : *p;
			if (c == '\'' && quote) {
				if (buf_put(&b, "'\\''", 4) < 0)
					goto fail;
			} else if (buf_put(&b, &c, 1) < 0)
				goto fail;
		}
		if (quote && buf_put(&b, "'", 1) < 0)
			goto fail;
	}
	if (buf_put(&b, "\n", 2) < 0) /* newline and NUL */
		goto fail;
	return (char *)b.p;
fail:
	free(b.p);
	return NULL;
}

/* ---- reader ---- */

static int rfail(lp_reader *r, int code, const char *what)
{
	return lp_seterr(code, "%s: %s", r->name, what);
}

static int read_exact(lp_reader *r, void *p, size_t n, const char *where)
{
	size_t got = fread(p, 1, n, r->fp);
	if (got == n)
		return 0;
	if (ferror(r->fp))
		return lp_seterr(LP_EX_IOERR, "%s: read error in %s: %s",
		                 r->name, where, strerror(errno));
	return lp_seterr(LP_EX_DATAERR,
	                 "%s: truncated stream (ends inside %s of frame %ld)",
	                 r->name, where, r->nframes + 1);
}

static int read_stream_header(lp_reader *r)
{
	unsigned char h[16];
	size_t got = fread(h, 1, 16, r->fp);
	if (got < 8 || memcmp(h, MAGIC, 8))
		return rfail(r, LP_EX_DATAERR,
		             got == 0 ? "empty input, not a lungpipe stream"
		                      : "not a lungpipe stream (bad magic)");
	if (got < 16)
		return rfail(r, LP_EX_DATAERR, "truncated stream header");
	r->major = (int)le_load(h + 8, 2);
	r->minor = (int)le_load(h + 10, 2);
	uint32_t plen = (uint32_t)le_load(h + 12, 4);
	if (r->major != LP_STREAM_MAJOR)
		return lp_seterr(LP_EX_UNSUPPORTED,
		                 "%s: stream version %d.%d is not supported by "
		                 "this lungpipe (reads %d.x); %s",
		                 r->name, r->major, r->minor, LP_STREAM_MAJOR,
		                 r->major > LP_STREAM_MAJOR
		                     ? "upgrade lungpipe to read it"
		                     : "re-create it with a current lungpipe");
	if (plen > MAX_HDR)
		return rfail(r, LP_EX_DATAERR, "absurd provenance length");
	r->prov = lp_malloc((size_t)plen + 1);
	unsigned char c4[4];
	if (!r->prov || read_exact(r, r->prov, plen, "the stream header") < 0 ||
	    read_exact(r, c4, 4, "the stream header") < 0)
		return -1;
	r->prov[plen] = 0;
	uLong crc = crc_update(crc32(0, Z_NULL, 0), h + 8, 8);
	crc = crc_update(crc, r->prov, plen);
	if ((uint32_t)crc != (uint32_t)le_load(c4, 4))
		return rfail(r, LP_EX_DATAERR, "stream header CRC mismatch "
		             "(corrupt stream)");
	if (memchr(r->prov, 0, plen))
		return rfail(r, LP_EX_DATAERR, "provenance contains NUL bytes");
	return 0;
}

/* Larger pipe buffers mean fewer context switches between the tools of a
 * pipe; a failure (not a pipe, no permission) is harmless. */
static void widen_pipe(FILE *fp)
{
#ifdef F_SETPIPE_SZ
	(void)fcntl(fileno(fp), F_SETPIPE_SZ, (int)IOBUF);
#else
	(void)fp;
#endif
}

lp_reader *lp_reader_fopen(FILE *fp, const char *name)
{
	widen_pipe(fp);
	lp_reader *r = lp_calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->fp = fp;
	r->name = lp_strdup(name);
	if (!r->name || read_stream_header(r) < 0) {
		lp_reader_close(r);
		return NULL;
	}
	return r;
}

lp_reader *lp_reader_open(const char *path)
{
	FILE *fp;
	if (!strcmp(path, "-")) {
		if (isatty(0)) {
			lp_seterr(LP_EX_USAGE, "refusing to read a binary stream "
			          "from a terminal; pipe a lungpipe stream in or "
			          "name a file");
			return NULL;
		}
		fp = stdin;
	} else {
		fp = fopen(path, "rb");
		if (!fp) {
			lp_seterr(LP_EX_NOINPUT, "%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	lp_reader *r = lp_reader_fopen(fp, !strcmp(path, "-") ? "<stdin>"
	                                                      : path);
	if (!r) {
		if (fp != stdin)
			fclose(fp);
		return NULL;
	}
	r->own = fp != stdin;
	return r;
}

static int parse_channels(lp_reader *r, rd_t *d, lp_frame *f, uint32_t nch)
{
	for (uint32_t i = 0; i < nch; i++) {
		int dt = (int)rd_u(d, 1);
		size_t nl = (size_t)rd_u(d, 1), ul = (size_t)rd_u(d, 1);
		rd_u(d, 1);
		const char *nm = rd_bytes(d, nl), *un = rd_bytes(d, ul);
		double wmin = rd_f64(d), wmax = rd_f64(d);
		if (d->bad)
			return rfail(r, LP_EX_DATAERR, "frame header too short "
			             "for its channels");
		char name[LP_NAME_MAX + 1], units[LP_NAME_MAX + 1];
		if (nl == 0 || nl > LP_NAME_MAX || ul > LP_NAME_MAX)
			return rfail(r, LP_EX_DATAERR, "bad channel name length");
		memcpy(name, nm, nl);
		name[nl] = 0;
		memcpy(units, un, ul);
		units[ul] = 0;
		if (!lp_dtype_size((lp_dtype)dt))
			return lp_seterr(LP_EX_UNSUPPORTED, "%s: channel '%s' has "
			                 "unknown dtype code %d", r->name, name, dt);
		lp_channel *c = lp_frame_adopt_channel(f, name, (lp_dtype)dt,
		                                       units, NULL);
		if (!c) {
			lp_err_prefix("%s", r->name);
			return -1;
		}
		c->wmin = wmin;
		c->wmax = wmax;
	}
	return 0;
}

static int parse_meta(lp_reader *r, rd_t *d, lp_frame *f, uint32_t nmeta)
{
	for (uint32_t i = 0; i < nmeta; i++) {
		size_t kl = (size_t)rd_u(d, 4), vl = (size_t)rd_u(d, 4);
		const char *k = rd_bytes(d, kl), *v = rd_bytes(d, vl);
		if (d->bad || kl == 0 || kl > LP_NAME_MAX)
			return rfail(r, LP_EX_DATAERR, "bad metadata entry in "
			             "frame header");
		char key[LP_NAME_MAX + 1];
		memcpy(key, k, kl);
		key[kl] = 0;
		char *val = lp_malloc(vl + 1);
		if (!val)
			return -1;
		memcpy(val, v, vl);
		val[vl] = 0;
		int rc = memchr(val, 0, vl) ? rfail(r, LP_EX_DATAERR,
		                                    "NUL in metadata value")
		                            : lp_meta_set(f, key, val);
		free(val);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_header(lp_reader *r, const unsigned char *h, uint32_t hlen,
                        lp_frame *f)
{
	rd_t d = {h, hlen, 0, 0};
	int64_t dim[3];
	for (int a = 0; a < 3; a++)
		dim[a] = (int64_t)rd_u(&d, 8);
	for (int a = 0; a < 3; a++)
		f->spacing[a] = rd_f64(&d);
	for (int a = 0; a < 3; a++)
		f->origin[a] = rd_f64(&d);
	for (int i = 0; i < 9; i++)
		f->dir[i] = rd_f64(&d);
	uint32_t nch = (uint32_t)rd_u(&d, 4), nmeta = (uint32_t)rd_u(&d, 4);
	if (d.bad)
		return rfail(r, LP_EX_DATAERR, "frame header too short");
	if (lp_frame_set_dims(f, dim[0], dim[1], dim[2]) < 0 ||
	    lp_frame_check_geometry(f) < 0) {
		lp_err_prefix("%s: frame %ld", r->name, r->nframes + 1);
		return -1;
	}
	if (nch > LP_MAX_CHANNELS || nmeta > 100000)
		return rfail(r, LP_EX_DATAERR, "absurd channel or metadata count");
	if (parse_channels(r, &d, f, nch) < 0 || parse_meta(r, &d, f, nmeta) < 0)
		return -1;
	/* bytes past what this version knows are a newer minor's: ignored */
	return 0;
}

static int read_payload(lp_reader *r, lp_frame *f, uLong *crc)
{
	for (int i = 0; i < f->nch; i++) {
		lp_channel *c = &f->ch[i];
		size_t n = lp_channel_bytes(f, c);
		c->data = lp_malloc_big(n);
		if (!c->data)
			return -1;
		char where[LP_NAME_MAX + 32];
		snprintf(where, sizeof where, "channel '%s'", c->name);
		/* in chunks, so the CRC runs on cache-hot bytes */
		for (size_t off = 0; off < n; off += IOBUF) {
			size_t k = n - off < IOBUF ? n - off : IOBUF;
			if (read_exact(r, (char *)c->data + off, k, where) < 0)
				return -1;
			*crc = crc_update(*crc, (char *)c->data + off, k);
		}
	}
	return 0;
}

static int read_end(lp_reader *r)
{
	unsigned char e[12];
	if (read_exact(r, e, 12, "the end marker") < 0)
		return -1;
	uint32_t crc = (uint32_t)crc_update(crc32(0, Z_NULL, 0), e, 8);
	if (crc != (uint32_t)le_load(e + 8, 4))
		return rfail(r, LP_EX_DATAERR, "end marker CRC mismatch");
	if ((long)le_load(e, 8) != r->nframes)
		return lp_seterr(LP_EX_DATAERR, "%s: end marker counts %llu "
		                 "frames but %ld were read (frames lost)",
		                 r->name, (unsigned long long)le_load(e, 8),
		                 r->nframes);
	r->done = 1;
	return 0;
}

static int read_frame(lp_reader *r, lp_frame *f)
{
	unsigned char l4[4];
	if (read_exact(r, l4, 4, "the header") < 0)
		return -1;
	uint32_t hlen = (uint32_t)le_load(l4, 4);
	if (hlen < FIXED_HDR || hlen > MAX_HDR)
		return lp_seterr(LP_EX_DATAERR, "%s: frame %ld: absurd header "
		                 "length %u", r->name, r->nframes + 1, hlen);
	unsigned char *h = lp_malloc(hlen);
	if (!h)
		return -1;
	int rc = read_exact(r, h, hlen, "the header");
	uLong crc = crc_update(crc32(0, Z_NULL, 0), h, hlen);
	if (rc == 0)
		rc = parse_header(r, h, hlen, f);
	free(h);
	unsigned char t[8];
	if (rc < 0 || read_payload(r, f, &crc) < 0 ||
	    read_exact(r, t, 8, "the frame end") < 0)
		return -1;
	if (memcmp(t, TAG_FEND, 4))
		return lp_seterr(LP_EX_DATAERR, "%s: frame %ld: missing frame "
		                 "end marker (corrupt stream)", r->name,
		                 r->nframes + 1);
	if ((uint32_t)crc != (uint32_t)le_load(t + 4, 4))
		return lp_seterr(LP_EX_DATAERR, "%s: frame %ld: CRC mismatch "
		                 "(corrupt stream)", r->name, r->nframes + 1);
	r->nframes++;
	return 1;
}

int lp_reader_next(lp_reader *r, lp_frame *f)
{
	lp_frame_free(f);
	if (r->done)
		return 0;
	unsigned char tag[4];
	size_t got = fread(tag, 1, 4, r->fp);
	if (got == 0 && !ferror(r->fp))
		return lp_seterr(LP_EX_DATAERR, "%s: truncated stream (no end "
		                 "marker after %ld frames)", r->name, r->nframes);
	if (got < 4)
		return read_exact(r, tag + got, 4 - got, "a record tag");
	if (!memcmp(tag, TAG_END, 4))
		return read_end(r) < 0 ? -1 : 0;
	if (memcmp(tag, TAG_FRAME, 4))
		return lp_seterr(LP_EX_DATAERR, "%s: corrupt stream (bad record "
		                 "tag after frame %ld)", r->name, r->nframes);
	int rc = read_frame(r, f);
	if (rc < 0)
		lp_frame_free(f);
	return rc;
}

const char *lp_reader_provenance(const lp_reader *r)
{
	return r->prov ? r->prov : "";
}

int lp_reader_version(const lp_reader *r, int *minor)
{
	if (minor)
		*minor = r->minor;
	return r->major;
}

void lp_reader_close(lp_reader *r)
{
	if (!r)
		return;
	if (r->own && r->fp)
		fclose(r->fp);
	free(r->name);
	free(r->prov);
	free(r);
}

int lp_is_stream_file(const char *path)
{
	if (!strcmp(path, "-"))
		return 1;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	char m[8];
	int ok = fread(m, 1, 8, fp) == 8 && !memcmp(m, MAGIC, 8);
	fclose(fp);
	return ok;
}

/* ---- writer ---- */

static int wput(lp_writer *w, const void *p, size_t n)
{
	if (w->failed)
		return -1;
	if (n && fwrite(p, 1, n, w->fp) != n) {
		w->failed = 1;
		return lp_seterr(LP_EX_IOERR, "%s: write error: %s", w->path,
		                 strerror(errno));
	}
	return 0;
}

static int write_stream_header(lp_writer *w)
{
	buf_t b = {0};
	size_t plen = strlen(w->prov);
	int rc = buf_put(&b, MAGIC, 8) | buf_u(&b, LP_STREAM_MAJOR, 2) |
	         buf_u(&b, LP_STREAM_MINOR, 2) | buf_u(&b, plen, 4) |
	         buf_put(&b, w->prov, plen);
	if (rc == 0) {
		uLong crc = crc_update(crc32(0, Z_NULL, 0), b.p + 8, b.len - 8);
		rc = buf_u(&b, (uint32_t)crc, 4);
	}
	if (rc == 0)
		rc = wput(w, b.p, b.len);
	free(b.p);
	return rc;
}

int lp_output_check(const char *path)
{
	if (!strcmp(path, "-") && isatty(1))
		return lp_seterr(LP_EX_USAGE,
		                 "refusing to write a binary stream to a "
		                 "terminal: it would be unreadable; redirect "
		                 "stdout to a file or pipe it into another "
		                 "tool (e.g. '| ct-info -')");
	return 0;
}

static int open_output(lp_writer *w, const char *path)
{
	if (lp_output_check(path) < 0 || !(w->of = lp_ofile_open(path)))
		return -1;
	w->fp = w->of->fp;
	w->path = w->of->path;
	if (w->of->is_stdout)
		widen_pipe(stdout);
	return 0;
}

lp_writer *lp_writer_open(const char *path, const char *provenance,
                          const char *tool, int argc, char **argv)
{
	lp_writer *w = lp_calloc(1, sizeof *w);
	if (!w)
		return NULL;
	char *line = lp_provenance_line(tool, argc, argv);
	const char *old = provenance ? provenance : "";
	size_t n = strlen(old) + (line ? strlen(line) : 0) + 2;
	w->prov = line ? lp_malloc(n) : NULL;
	if (w->prov)
		snprintf(w->prov, n, "%s%s%s", old,
		         (*old && old[strlen(old) - 1] != '\n') ? "\n" : "", line);
	free(line);
	if (!w->prov || open_output(w, path) < 0 || write_stream_header(w) < 0) {
		lp_writer_abort(w);
		return NULL;
	}
	return w;
}

static int encode_header(buf_t *b, const lp_frame *f)
{
	int rc = 0;
	for (int a = 0; a < 3; a++)
		rc |= buf_u(b, (uint64_t)f->dim[a], 8);
	for (int a = 0; a < 3; a++)
		rc |= buf_f64(b, f->spacing[a]);
	for (int a = 0; a < 3; a++)
		rc |= buf_f64(b, f->origin[a]);
	for (int i = 0; i < 9; i++)
		rc |= buf_f64(b, f->dir[i]);
	rc |= buf_u(b, (uint64_t)f->nch, 4) | buf_u(b, (uint64_t)f->nmeta, 4);
	for (int i = 0; i < f->nch && !rc; i++) {
		const lp_channel *c = &f->ch[i];
		size_t nl = strlen(c->name), ul = strlen(c->units);
		rc |= buf_u(b, (uint64_t)c->dtype, 1) | buf_u(b, nl, 1) |
		      buf_u(b, ul, 1) | buf_u(b, 0, 1) | buf_put(b, c->name, nl) |
		      buf_put(b, c->units, ul) | buf_f64(b, c->wmin) |
		      buf_f64(b, c->wmax);
	}
	for (int i = 0; i < f->nmeta && !rc; i++) {
		size_t kl = strlen(f->meta[i].key), vl = strlen(f->meta[i].value);
		rc |= buf_u(b, kl, 4) | buf_u(b, vl, 4) |
		      buf_put(b, f->meta[i].key, kl) |
		      buf_put(b, f->meta[i].value, vl);
	}
	if (!rc && b->len > MAX_HDR)
		return lp_seterr(LP_EX_SOFTWARE, "frame header too large");
	return rc ? -1 : 0;
}

int lp_writer_put(lp_writer *w, const lp_frame *f)
{
	if (lp_dims_check(f->dim[0], f->dim[1], f->dim[2]) < 0 ||
	    lp_frame_check_geometry(f) < 0)
		return -1;
	buf_t b = {0};
	int rc = buf_put(&b, TAG_FRAME, 4) | buf_u(&b, 0, 4);
	if (rc == 0)
		rc = encode_header(&b, f);
	if (rc < 0) {
		free(b.p);
		return -1;
	}
	le_store(b.p + 4, b.len - 8, 4);
	uLong crc = crc_update(crc32(0, Z_NULL, 0), b.p + 8, b.len - 8);
	rc = wput(w, b.p, b.len);
	free(b.p);
	for (int i = 0; i < f->nch && rc == 0; i++) {
		size_t n = lp_channel_bytes(f, &f->ch[i]);
		if (!f->ch[i].data)
			return lp_seterr(LP_EX_SOFTWARE, "channel '%s' has no data",
			                 f->ch[i].name);
		const char *p = f->ch[i].data;
		for (size_t off = 0; off < n && rc == 0; off += IOBUF) {
			size_t k = n - off < IOBUF ? n - off : IOBUF;
			crc = crc_update(crc, p + off, k);
			rc = wput(w, p + off, k);
		}
	}
	unsigned char t[8];
	memcpy(t, TAG_FEND, 4);
	le_store(t + 4, (uint32_t)crc, 4);
	if (rc == 0)
		rc = wput(w, t, 8);
	if (rc == 0)
		w->nframes++;
	return rc;
}

int lp_writer_close(lp_writer *w)
{
	unsigned char e[16];
	memcpy(e, TAG_END, 4);
	le_store(e + 4, (uint64_t)w->nframes, 8);
	le_store(e + 12, (uint32_t)crc_update(crc32(0, Z_NULL, 0), e + 4, 8), 4);
	if (wput(w, e, 16) < 0) {
		lp_writer_abort(w);
		return -1;
	}
	int rc = lp_ofile_commit(w->of);
	free(w->prov);
	free(w);
	return rc;
}

void lp_writer_abort(lp_writer *w)
{
	if (!w)
		return;
	lp_ofile_abort(w->of);
	free(w->prov);
	free(w);
}
