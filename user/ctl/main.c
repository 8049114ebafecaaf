// SPDX-License-Identifier: Apache-2.0
/*
 * sluicectl: the CLI. Reads the user's files and sends them to sluiced, which decodes,
 * validates and applies them atomically and answers with what to print.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/proto.h"

#define CTL_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluicectl [--socket PATH] COMMAND [ARGS]\n\n"
		"Commands:\n"
		"  apply -f FILE|DIR|- [-f ...]           create or update objects (all or nothing)\n"
		"  delete -f FILE|DIR|- [--ignore-not-found]\n"
		"                                         delete the objects the files name\n"
		"  get services|endpoints|endpointslices|pods|destinationrules|virtualservices|\n"
		"      authorizationpolicies [NAME] [-n NS | -A] [-o wide|json|yaml]\n"
		"  describe service [NS/]NAME [-n NS]     a Service and the backends it was given\n"
		"  describe authorizationpolicy [NS/]NAME the pods it selects, what L4 leaves out\n"
		"  flows [--follow] [--namespace NS] [--pod [NS/]NAME] [--service [NS/]NAME]\n"
		"        [--verdict FORWARDED|DROPPED] [--since 5m] [-o table|json]\n"
		"                                         recent connections and drops, then live ones\n"
		"  stats                                  data-plane counters and per-flow totals\n"
		"  status                                 programs, attachments, maps, features\n"
		"  version                                client and agent versions\n\n"
		"Files are YAML or JSON streams of v1 Service, discovery.k8s.io/v1 EndpointSlice,\n"
		"v1 Pod, networking.istio.io DestinationRule and VirtualService, security.istio.io\n"
		"AuthorizationPolicy and v1 List (what `kubectl get -o yaml` prints). A directory\n"
		"means its *.yaml, *.yml and *.json files.\n\n"
		"  --socket PATH   the agent's socket (default $SLUICE_SOCKET or /run/sluice/sluiced.sock)\n");
}

static int add_file(struct sl_buf *req, const char *path)
{
	struct sl_buf data = {};
	int fd, err;

	if (!strcmp(path, "-")) {
		err = sl_buf_read_fd(&data, 0, SL_PROTO_MAX_REQUEST);
		path = "<stdin>";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			pr_err("%s: %s", path, strerror(errno));
			return err;
		}
		err = sl_buf_read_fd(&data, fd, SL_PROTO_MAX_REQUEST);
		close(fd);
	}
	if (err) {
		pr_err("%s: %s", path, strerror(-err));
		sl_buf_free(&data);
		return err;
	}
	err = sl_tlv_put_str(req, SL_TLV_FILE_NAME, path);
	err = err ?: sl_tlv_put(req, SL_TLV_FILE_DATA, data.p ? data.p : "", data.len);
	sl_buf_free(&data);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool config_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' &&
	       ((l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml")) ||
		(l > 5 && !strcmp(n + l - 5, ".json")));
}

static int add_path(struct sl_buf *req, const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	const char *sep;
	size_t n = 0;
	int err = 0;
	DIR *d;

	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (!d) {
			pr_err("%s: %s", path, strerror(errno));
			return -errno;
		}
		/* "dir/" names its files "dir/x.yaml", not "dir//x.yaml": the file of a
		 * warning's or error's file:line:col reads as the user wrote it. */
		sep = path[strlen(path) - 1] == '/' ? "" : "/";
		while ((de = readdir(d))) {
			char **nv;

			if (!config_name(de->d_name))
				continue;
			nv = realloc(names, (n + 1) * sizeof(*nv));
			if (!nv || asprintf(&nv[n], "%s%s%s", path, sep, de->d_name) < 0) {
				err = -ENOMEM;
				names = nv ? nv : names;
				break;
			}
			names = nv;
			n++;
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n && !err; i++)
			err = add_file(req, names[i]);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (!err && !n) {
			pr_err("%s: no *.yaml, *.yml or *.json files", path);
			err = -ENOENT;
		}
		return err;
	}
	return add_file(req, path);
}

/* Sends the request and prints the answer as it streams in (flows --follow keeps the
 * connection open and sends events as they happen). */
static int transact(const char *sock, struct sl_buf *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sl_buf resp = {};
	size_t off = 0;
	int fd, err, status = 1;
	bool done = false;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		pr_err("--socket: path too long");
		return 2;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		pr_err("cannot reach sluiced at %s: %s (is it running? see --socket)", sock,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	err = sl_write_all(fd, req->p, req->len);
	if (!err && shutdown(fd, SHUT_WR))
		err = -errno;
	while (!err && !done) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		struct sl_tlv t;
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		if (sl_buf_append(&resp, chunk, (size_t)n)) {
			err = -ENOMEM;
			break;
		}
		while ((r = sl_tlv_next(resp.p, resp.len, &off, &t)) > 0) {
			if (t.type == SL_TLV_STDOUT) {
				fwrite(t.data, 1, t.len, stdout);
				fflush(stdout);
			} else if (t.type == SL_TLV_STDERR) {
				fwrite(t.data, 1, t.len, stderr);
			} else if (t.type == SL_TLV_EXIT && t.len == 4) {
				memcpy(&status, t.data, 4);
				done = true;
			}
		}
		/* r < 0: the last record is incomplete; wait for the rest. Drop what was
		 * printed so the buffer does not grow while following. */
		if (off == resp.len) {
			resp.len = 0;
			off = 0;
		}
	}
	close(fd);
	sl_buf_free(&resp);
	if (err) {
		pr_err("talking to sluiced: %s", strerror(-err));
		return 1;
	}
	if (!done) {
		pr_err("sluiced closed the connection without an answer");
		return 1;
	}
	return status;
}

static int arg(struct sl_buf *req, const char *k, const char *v)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s=%s", k, v);
	return sl_tlv_put_str(req, SL_TLV_ARG, buf);
}

int main(int argc, char **argv)
{
	const char *sock = getenv("SLUICE_SOCKET");
	struct sl_proto_hdr h = { .magic = SL_PROTO_MAGIC };
	struct sl_buf req = {};
	int i = 1, ret;

	sl_log_set_prog("sluicectl");
	if (!sock || !*sock)
		sock = "/run/sluice/sluiced.sock";
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			sock = argv[i] + 9;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			pr_err("unknown option %s (see --help)", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i++];

	if (!strcmp(cmd, "apply") || !strcmp(cmd, "delete")) {
		bool del = !strcmp(cmd, "delete");
		int nfiles = 0;

		h.verb = del ? SL_VERB_DELETE : SL_VERB_APPLY;
		sl_buf_append(&req, &h, sizeof(h));
		for (; i < argc; i++) {
			if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--filename")) &&
			    i + 1 < argc) {
				if (add_path(&req, argv[++i]))
					return 1;
				nfiles++;
			} else if (!strncmp(argv[i], "--filename=", 11)) {
				if (add_path(&req, argv[i] + 11))
					return 1;
				nfiles++;
			} else if (del && !strcmp(argv[i], "--ignore-not-found")) {
				arg(&req, "ignore-not-found", "true");
			} else {
				pr_err("%s: unexpected argument '%s' (see --help)", cmd, argv[i]);
				return 2;
			}
		}
		if (!nfiles) {
			pr_err("%s: -f FILE|DIR|- is required", cmd);
			return 2;
		}
	} else if (!strcmp(cmd, "get") || !strcmp(cmd, "describe")) {
		bool all_ns = false;
		const char *ns = NULL, *name = NULL, *res = NULL, *out = NULL;

		h.verb = !strcmp(cmd, "get") ? SL_VERB_GET : SL_VERB_DESCRIBE;
		for (; i < argc; i++) {
			if ((!strcmp(argv[i], "-n") || !strcmp(argv[i], "--namespace")) &&
			    i + 1 < argc)
				ns = argv[++i];
			else if (!strcmp(argv[i], "-A") || !strcmp(argv[i], "--all-namespaces"))
				all_ns = true;
			else if (!strcmp(argv[i], "-o") && i + 1 < argc)
				out = argv[++i];
			else if (!strncmp(argv[i], "-o", 2) && argv[i][2])
				out = argv[i] + 2 + (argv[i][2] == '=');
			else if (argv[i][0] == '-') {
				pr_err("%s: unknown option %s (see --help)", cmd, argv[i]);
				return 2;
			} else if (!res)
				res = argv[i];
			else if (!name)
				name = argv[i];
			else {
				pr_err("%s: unexpected argument '%s'", cmd, argv[i]);
				return 2;
			}
		}
		if (!res) {
			pr_err("%s: which resource? (see --help)", cmd);
			return 2;
		}
		/* describe takes NS/NAME as kubectl users often write it. */
		static char nsbuf[256];
		const char *slash = name ? strchr(name, '/') : NULL;

		if (slash && (size_t)(slash - name) < sizeof(nsbuf)) {
			memcpy(nsbuf, name, slash - name);
			nsbuf[slash - name] = '\0';
			ns = nsbuf;
			name = slash + 1;
		}
		if (!ns && !all_ns)
			ns = h.verb == SL_VERB_GET && !name ? NULL : "default";
		sl_buf_append(&req, &h, sizeof(h));
		arg(&req, "resource", res);
		if (ns && !all_ns)
			arg(&req, "namespace", ns);
		if (name)
			arg(&req, "name", name);
		if (out)
			arg(&req, "output", out);
	} else if (!strcmp(cmd, "flows")) {
		static const struct {
			const char *flag, *key;
		} vflags[] = {
			{ "--namespace", "namespace" },
			{ "-n", "namespace" },
			{ "--pod", "pod" },
			{ "--service", "service" },
			{ "--verdict", "verdict" },
			{ "--since", "since" },
			{ "-o", "output" },
		};

		h.verb = SL_VERB_FLOWS;
		sl_buf_append(&req, &h, sizeof(h));
		for (; i < argc; i++) {
			bool known = false;

			if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f")) {
				arg(&req, "follow", "true");
				continue;
			}
			for (size_t k = 0; k < sizeof(vflags) / sizeof(vflags[0]); k++) {
				if (strcmp(argv[i], vflags[k].flag))
					continue;
				if (i + 1 >= argc) {
					pr_err("flows: %s needs a value", argv[i]);
					return 2;
				}
				arg(&req, vflags[k].key, argv[++i]);
				known = true;
				break;
			}
			if (!known) {
				pr_err("flows: unexpected argument '%s' (see --help)", argv[i]);
				return 2;
			}
		}
	} else if (!strcmp(cmd, "stats")) {
		if (i < argc) {
			pr_err("stats takes no arguments");
			return 2;
		}
		h.verb = SL_VERB_STATS;
		sl_buf_append(&req, &h, sizeof(h));
	} else if (!strcmp(cmd, "status") || !strcmp(cmd, "version")) {
		if (i < argc) {
			pr_err("%s takes no arguments", cmd);
			return 2;
		}
		h.verb = !strcmp(cmd, "status") ? SL_VERB_STATUS : SL_VERB_VERSION;
		if (h.verb == SL_VERB_VERSION)
			printf("sluicectl %s\n", CTL_VERSION);
		sl_buf_append(&req, &h, sizeof(h));
	} else {
		pr_err("unknown command '%s' (see --help)", cmd);
		return 2;
	}
	if (req.oom) {
		pr_err("out of memory");
		return 1;
	}
	fflush(stdout);
	ret = transact(sock, &req);
	sl_buf_free(&req);
	return ret;
}
