// SPDX-License-Identifier: Apache-2.0
/*
 * sluice-proxy's request metrics: the per-worker series tables (keys, overflow,
 * eviction, bucket bounds, copies never torn while the owner writes), the names and
 * the Prometheus text (against a golden file), and the control socket with the agent's
 * client on a real unix socket in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/proxy_link.h"
#include "common/prom.h"
#include "model/objects.h"
#include "proxy/control.h"
#include "proxy/metrics.h"
#include "proxy/names.h"
#include "proxy/rq_account.h"
#include "proxy/rq_metrics.h"
#include "proxy/snapshot.h"
#include "proxy/stats-t.h"
#include "test_files.h"

static struct px_rqm_key key(uint32_t src, uint32_t dst, uint32_t svc, uint16_t code,
			     uint16_t flags)
{
	struct px_rqm_key k;

	memset(&k, 0, sizeof(k));
	k.src_pod = src;
	k.dst_pod = dst;
	k.svc = svc;
	k.code = code;
	k.flags = flags;
	return k;
}

/* The live copy of series k in t, or false. */
static bool find(const struct px_rqm *t, const struct px_rqm_key *k, struct px_rqm_vals *v)
{
	struct px_rqm_key got;

	for (uint32_t i = 0; i < px_rqm_bound(t); i++)
		if (px_rqm_read(t, i, &got, v) && !memcmp(&got, k, sizeof(got)))
			return true;
	return false;
}

static void t_buckets(void **state)
{
	/* v lands in the first bucket whose bound is >= v (Prometheus' le). */
	assert_int_equal(px_rqm_bucket(0), 0); /* le 0.5 */
	assert_int_equal(px_rqm_bucket(1), 1); /* le 1 */
	assert_int_equal(px_rqm_bucket(2), 2); /* le 5 */
	assert_int_equal(px_rqm_bucket(5), 2);
	assert_int_equal(px_rqm_bucket(6), 3); /* le 10 */
	assert_int_equal(px_rqm_bucket(1000), 9);
	assert_int_equal(px_rqm_bucket(1001), 10);
	assert_int_equal(px_rqm_bucket(3600000), 18);
	assert_int_equal(px_rqm_bucket(3600001), PX_RQM_NBOUNDS); /* only +Inf */
	for (int i = 1; i < PX_RQM_NBOUNDS; i++)
		assert_true(px_rqm_bounds[i] > px_rqm_bounds[i - 1]);
}

static void t_series_keyed(void **state)
{
	struct px_rqm t;
	struct px_rqm_key a = key(1, 2, 3, 200, 0), b = key(1, 2, 3, 503, PX_F_UH),
			  c = key(1, 2, 3, 200, PX_F_DC);
	struct px_rqm_vals v;

	assert_int_equal(px_rqm_init(&t, 8), 0);
	assert_true(px_rqm_record(&t, &a, 10, 0, 0, 100));
	assert_true(px_rqm_record(&t, &a, 11, 7, 20, 3000));
	assert_true(px_rqm_record(&t, &b, 12, 2, 0, 19));
	assert_true(px_rqm_record(&t, &c, 13, 4000000, 0, 0));
	assert_int_equal(t.nlive, 3);
	assert_true(find(&t, &a, &v));
	assert_int_equal(v.count, 2);
	assert_int_equal(v.dur_sum_ms, 7);
	assert_int_equal(v.req_sum, 20);
	assert_int_equal(v.resp_sum, 3100);
	assert_int_equal(v.dur[0], 1); /* 0 ms */
	assert_int_equal(v.dur[3], 1); /* 7 ms: le 10 */
	assert_int_equal(v.req[0], 1); /* 0 bytes */
	assert_int_equal(v.req[4], 1); /* 20 bytes: le 25 */
	assert_int_equal(v.resp[6], 1); /* 100: le 100 */
	assert_int_equal(v.resp[11], 1); /* 3000: le 5000 */
	assert_true(find(&t, &b, &v));
	assert_int_equal(v.count, 1);
	assert_true(find(&t, &c, &v));
	assert_int_equal(v.count, 1);
	/* Above the last bound: in no bucket, only the count (+Inf). */
	for (int i = 0; i < PX_RQM_NBOUNDS; i++)
		assert_int_equal(v.dur[i], 0);
	px_rqm_free(&t);
}

static void t_overflow(void **state)
{
	struct px_rqm t;
	struct px_rqm_key a = key(1, 0, 0, 200, 0), b = key(2, 0, 0, 200, 0),
			  c = key(3, 0, 0, 200, 0);
	struct px_rqm_vals v;

	assert_int_equal(px_rqm_init(&t, 2), 0);
	assert_true(px_rqm_record(&t, &a, 1, 1, 1, 1));
	assert_true(px_rqm_record(&t, &b, 1, 1, 1, 1));
	assert_false(px_rqm_record(&t, &c, 1, 1, 1, 1));
	assert_false(px_rqm_record(&t, &c, 1, 1, 1, 1));
	assert_int_equal(t.overflow, 2);
	/* Series that exist still count. */
	assert_true(px_rqm_record(&t, &a, 2, 1, 1, 1));
	assert_true(find(&t, &a, &v));
	assert_int_equal(v.count, 2);
	assert_false(find(&t, &c, &v));
	px_rqm_free(&t);
	assert_int_equal(px_rqm_init(&t, 0), -EINVAL);
}

static void t_evict(void **state)
{
	struct px_rqm t;
	struct px_rqm_key a = key(1, 0, 0, 200, 0), b = key(2, 0, 0, 200, 0);
	struct px_rqm_vals v;

	assert_int_equal(px_rqm_init(&t, 2), 0);
	assert_true(px_rqm_record(&t, &a, 100, 1, 1, 1));
	assert_true(px_rqm_record(&t, &b, 200, 1, 1, 1));
	assert_int_equal(px_rqm_evict(&t, 150), 1);
	assert_false(find(&t, &a, &v));
	assert_true(find(&t, &b, &v));
	assert_int_equal(t.nlive, 1);
	assert_int_equal(t.evicted, 1);
	/* The freed series takes a new key; a comes back from zero. */
	assert_true(px_rqm_record(&t, &a, 300, 1, 1, 1));
	assert_true(find(&t, &a, &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(px_rqm_bound(&t), 2);
	/* Many rounds of create and evict (deleted index marks pile up and are swept):
	 * lookups stay right and the table never overflows. */
	assert_true(px_rqm_record(&t, &b, 999, 1, 1, 1));
	assert_int_equal(px_rqm_evict(&t, 999), 1); /* a */
	for (uint32_t i = 0; i < 5000; i++) {
		struct px_rqm_key k = key(1000 + i, 0, 0, 200, 0);

		assert_true(px_rqm_record(&t, &k, 1000 + i, 1, 1, 1));
		assert_true(px_rqm_record(&t, &b, 1001 + i, 1, 1, 1));
		assert_int_equal(px_rqm_evict(&t, 1001 + i), 1);
	}
	assert_true(find(&t, &b, &v));
	assert_int_equal(v.count, 5002);
	assert_int_equal(t.overflow, 0);
	px_rqm_free(&t);
}

/* The owner hammers one series while a reader copies it: every copy must be whole
 * (count, sums and buckets from the same requests). */
struct hammer {
	struct px_rqm t;
	struct px_rqm_key k;
	unsigned long n;
	bool done;
};

static void *writer(void *arg)
{
	struct hammer *h = arg;

	for (unsigned long i = 0; i < h->n; i++)
		px_rqm_record(&h->t, &h->k, (int64_t)i, 7, 30, 3000);
	__atomic_store_n(&h->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void t_reads_never_torn(void **state)
{
	struct hammer h = { .k = key(9, 9, 9, 200, 0), .n = 3000000 };
	struct px_rqm_vals v;
	unsigned long reads = 0;
	pthread_t th;

	assert_int_equal(px_rqm_init(&h.t, 4), 0);
	px_rqm_record(&h.t, &h.k, 0, 7, 30, 3000);
	assert_int_equal(pthread_create(&th, NULL, writer, &h), 0);
	while (!__atomic_load_n(&h.done, __ATOMIC_ACQUIRE) || !reads) {
		struct px_rqm_key k;

		if (!px_rqm_read(&h.t, 0, &k, &v))
			continue;
		reads++;
		assert_memory_equal(&k, &h.k, sizeof(k));
		assert_int_equal(v.dur_sum_ms, 7 * v.count);
		assert_int_equal(v.dur[3], v.count);
		assert_int_equal(v.req[5], v.count); /* 30: le 50 */
		assert_int_equal(v.resp_sum, 3000 * v.count);
		assert_int_equal(v.resp[11], v.count);
	}
	pthread_join(th, NULL);
	assert_true(px_rqm_read(&h.t, 0, &(struct px_rqm_key){ 0 }, &v));
	assert_int_equal(v.count, h.n + 1);
	px_rqm_free(&h.t);
}

static const char *cluster =
	"apiVersion: v1\nkind: List\nitems:\n"
	"- apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: shop}\n"
	"  spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}\n"
	"- apiVersion: discovery.k8s.io/v1\n  kind: EndpointSlice\n"
	"  metadata: {name: web-a, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
	"  addressType: IPv4\n  ports: [{name: http, port: 8080}]\n"
	"  endpoints:\n  - addresses: [10.244.1.11]\n  - addresses: [10.244.1.12]\n"
	"- apiVersion: v1\n  kind: Service\n  metadata: {name: empty, namespace: shop}\n"
	"  spec: {clusterIP: 10.96.0.30, ports: [{port: 80}]}\n"
	"- apiVersion: v1\n  kind: Pod\n"
	"  metadata: {name: web-7d9f8c6b5-x2x4q, namespace: shop, labels: {version: v1}}\n"
	"  spec: {nodeName: node1}\n  status: {podIP: 10.244.1.11}\n"
	"- apiVersion: v1\n  kind: Pod\n"
	"  metadata: {name: web-7d9f8c6b5-b8k2p, namespace: shop, labels: {version: v1}}\n"
	"  spec: {nodeName: node1}\n  status: {podIP: 10.244.1.12}\n"
	"- apiVersion: v1\n  kind: Pod\n"
	"  metadata: {name: client-1, namespace: front, labels: {app: shopper, version: v2}}\n"
	"  spec: {nodeName: node1}\n  status: {podIP: 10.244.1.20}\n";

static struct px_snapshot *build(const char *yaml, uint64_t version)
{
	struct px_snapshot *s;
	char err[512] = "";

	if (px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", version, &s, err,
			      sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static struct sl_ip ip(const char *s)
{
	struct sl_ip a;

	assert_int_equal(sl_ip_parse(s, &a), 0);
	return a;
}

static struct px_ep ep(const char *s, uint16_t port)
{
	struct px_ep e;
	struct sl_ip a = ip(s);

	memset(&e, 0, sizeof(e));
	memcpy(e.addr, a.b, 16);
	e.port = port;
	return e;
}

/* A proxy of two workers with the snapshot of `cluster`, as the golden counts them. */
static void proxy_with_traffic(struct px_proxy *px)
{
	struct sl_ip client = ip("10.244.1.20"), stranger = ip("10.244.9.9");
	struct sl_ip web = ip("10.96.0.10"), empty = ip("10.96.0.30");
	struct px_ep e1 = ep("10.244.1.11", 8080), e2 = ep("10.244.1.12", 8080);
	const struct px_frontend *pf;
	struct px_rqm_key k;

	memset(px, 0, sizeof(*px));
	px->current = build(cluster, 3);
	px->nworkers = 2;
	px->workers = calloc(2, sizeof(*px->workers));
	assert_non_null(px->workers);
	assert_int_equal(px_rqm_init(&px->workers[0].rqm, 16), 0);
	assert_int_equal(px_rqm_init(&px->workers[1].rqm, 16), 0);
	pf = px_snapshot_frontend(px->current, &web, 80);
	assert_non_null(pf);
	/* 200s to both pods of one workload, on both workers: one series. */
	px_rq_key(px->current, &client, &web, 80, &pf->fe->routes[0].dest[0], &e1, 200, 0, &k);
	px_rqm_record(&px->workers[0].rqm, &k, 1, 3, 0, 120);
	px_rqm_record(&px->workers[1].rqm, &k, 1, 12, 0, 120);
	px_rq_key(px->current, &client, &web, 80, &pf->fe->routes[0].dest[0], &e2, 200, 0, &k);
	px_rqm_record(&px->workers[1].rqm, &k, 1, 700, 2048, 5);
	/* A Service without endpoints: 503 UH, no destination pod. */
	px_rq_key(px->current, &client, &empty, 80, NULL, NULL, 503, PX_F_UH, &k);
	px_rqm_record(&px->workers[0].rqm, &k, 1, 0, 0, 19);
	/* A client that is no pod, a destination that is no Service: 502 NR. */
	px_rq_key(px->current, &stranger, &(struct sl_ip){ .family = 4 }, 80, NULL, NULL, 502,
		  PX_F_NR, &k);
	px_rqm_record(&px->workers[0].rqm, &k, 1, 1, 0, 0);
	/* Several flags are joined with commas. */
	px_rq_key(px->current, &client, &web, 80, &pf->fe->routes[0].dest[0], &e1, 503,
		  PX_F_UF | PX_F_URX, &k);
	px_rqm_record(&px->workers[1].rqm, &k, 1, 30000, 0, 91);
}

static void proxy_free(struct px_proxy *px)
{
	for (unsigned int i = 0; i < px->nworkers; i++)
		px_rqm_free(&px->workers[i].rqm);
	free(px->workers);
	px_names_free(&px->names);
	px_snapshot_put(px->current);
}

static void t_golden(void **state)
{
	struct px_proxy px;
	struct sl_buf out = {};
	struct sl_prom p;
	char path[4096];
	size_t len;
	char *want;

	proxy_with_traffic(&px);
	sl_prom_init(&p);
	assert_int_equal(px_metrics_requests(&px, &p, 1000), 0);
	assert_int_equal(sl_prom_finish(&p, &out), 0);
	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/proxy-metrics.golden", srcdir());
	if (getenv("SLUICE_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fwrite(out.p, 1, out.len, f);
		fclose(f);
	}
	want = read_file(path, &len);
	assert_non_null(want);
	sl_buf_append(&out, "", 1);
	assert_string_equal(out.p, want);
	free(want);
	sl_buf_free(&out);
	sl_prom_free(&p);
	proxy_free(&px);
}

/* Names of objects that left the snapshot are kept keep_ms, then forgotten. */
static void t_names_depart(void **state)
{
	struct px_snapshot *s1 = build(cluster, 1), *s2 = build("apiVersion: v1\nkind: List\n"
								"items: []\n",
								2);
	struct px_names n = {};
	struct sl_object o = { .kind = SL_KIND_POD, .meta = { .ns = "front", .name = "client-1" } };
	uint32_t id = px_obj_id(&o);
	const struct px_name *p;

	assert_int_equal(px_names_sync(&n, s1, 1000, 500), 0);
	p = px_names_pod(&n, id);
	assert_non_null(p);
	assert_string_equal(p->workload, "shopper");
	assert_int_equal(p->departed_ms, 0);
	assert_int_equal(px_names_sync(&n, s2, 2000, 500), 0);
	p = px_names_pod(&n, id);
	assert_non_null(p);
	assert_int_equal(p->departed_ms, 2000);
	/* Synced with the same snapshot again: nothing to do. */
	assert_int_equal(px_names_sync(&n, s2, 9000, 500), 0);
	assert_non_null(px_names_pod(&n, id));
	px_snapshot_put(s2);
	s2 = build("apiVersion: v1\nkind: List\nitems: []\n", 3);
	assert_int_equal(px_names_sync(&n, s2, 2600, 500), 0);
	assert_null(px_names_pod(&n, id));
	assert_null(px_names_pod(&n, 0));
	px_names_free(&n);
	px_snapshot_put(s1);
	px_snapshot_put(s2);
}

/* --- the control socket --- */

struct client {
	const char *path, *cmd;
	int timeout_ms;
	int ret;
	struct sl_buf out;
	bool done;
};

static void *client_main(void *arg)
{
	struct client *c = arg;

	c->ret = sl_proxy_request(c->path, c->cmd, &c->out, c->timeout_ms);
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Runs the client in a thread while this one serves the control socket. */
static void ask(struct px_control *ctl, struct client *c)
{
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, client_main, c), 0);
	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		struct pollfd p[1 + PX_CTL_MAX_CONNS];
		size_t n = px_control_fds(ctl, p, 1 + PX_CTL_MAX_CONNS);
		int r = poll(p, n, 50);

		px_control_handle(ctl, p, r > 0 ? n : 0);
	}
	pthread_join(th, NULL);
}

static void t_control(void **state)
{
	char dir[] = "/tmp/sl-ctl-XXXXXX", path[100], sub[80];
	struct px_control ctl;
	struct px_proxy px;
	struct stat st;
	struct client c;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run/sluice", dir);
	snprintf(path, sizeof(path), "%s/proxy.sock", sub);
	proxy_with_traffic(&px);
	assert_int_equal(px_control_open(&ctl, path, &px), 0);
	/* The directory is made 0700, the socket 0600. */
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	c = (struct client){ .path = path, .cmd = "metrics", .timeout_ms = 10000 };
	ask(&ctl, &c);
	assert_int_equal(c.ret, 0);
	sl_buf_append(&c.out, "", 1);
	assert_non_null(strstr(c.out.p, "# TYPE istio_requests_total counter\n"));
	assert_non_null(strstr(c.out.p, "response_code=\"503\",response_flags=\"UF,URX\""));
	assert_non_null(strstr(c.out.p, "sluice_proxy_snapshot_version 3\n"));
	assert_non_null(strstr(c.out.p, "sluice_proxy_request_series 6\n"));
	assert_null(strstr(c.out.p, "# TYPE sluice_proxy_up gauge"));
	sl_buf_free(&c.out);

	c = (struct client){ .path = path, .cmd = "no-such-command", .timeout_ms = 10000 };
	ask(&ctl, &c);
	assert_int_equal(c.ret, -EREMOTEIO);
	sl_buf_append(&c.out, "", 1);
	assert_string_equal(c.out.p, "unknown command 'no-such-command' (try help)");
	sl_buf_free(&c.out);

	c = (struct client){ .path = path, .cmd = "metrics now", .timeout_ms = 10000 };
	ask(&ctl, &c);
	assert_int_equal(c.ret, -EREMOTEIO);
	sl_buf_free(&c.out);

	c = (struct client){ .path = path, .cmd = "help", .timeout_ms = 10000 };
	ask(&ctl, &c);
	assert_int_equal(c.ret, 0);
	sl_buf_append(&c.out, "", 1);
	assert_non_null(strstr(c.out.p, "metrics: "));
	sl_buf_free(&c.out);

	/* A second proxy on a live socket is refused; the first keeps it. */
	{
		struct px_control other;

		assert_int_equal(px_control_open(&other, path, &px), -EADDRINUSE);
		assert_int_equal(lstat(path, &st), 0);
	}
	px_control_close(&ctl);
	assert_int_equal(lstat(path, &st), -1);

	/* No proxy: the client fails at once. */
	c = (struct client){ .path = path, .cmd = "metrics", .timeout_ms = 10000 };
	client_main(&c);
	assert_int_equal(c.ret, -ENOENT);

	/* A stale socket (its listener gone) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		memcpy(sa.sun_path, path, strlen(path) + 1);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	c = (struct client){ .path = path, .cmd = "metrics", .timeout_ms = 10000 };
	client_main(&c);
	assert_int_equal(c.ret, -ECONNREFUSED);
	assert_int_equal(px_control_open(&ctl, path, &px), 0);
	c = (struct client){ .path = path, .cmd = "metrics", .timeout_ms = 10000 };
	ask(&ctl, &c);
	assert_int_equal(c.ret, 0);
	sl_buf_free(&c.out);

	/* A proxy that accepts but never answers: the client gives up at its timeout. */
	c = (struct client){ .path = path, .cmd = "metrics", .timeout_ms = 200 };
	client_main(&c);
	assert_int_equal(c.ret, -ETIMEDOUT);
	px_control_close(&ctl);

	/* Something else at the path is never removed. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(px_control_open(&ctl, path, &px), -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
	proxy_free(&px);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_buckets),
		cmocka_unit_test(t_series_keyed),
		cmocka_unit_test(t_overflow),
		cmocka_unit_test(t_evict),
		cmocka_unit_test(t_reads_never_torn),
		cmocka_unit_test(t_golden),
		cmocka_unit_test(t_names_depart),
		cmocka_unit_test(t_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
