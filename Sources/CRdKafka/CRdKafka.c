// The rd_kafka_* functions the Kafka source and sink call, forwarding to librdkafka.so.1, which
// is loaded with dlopen on the first call (see CRdKafka.h for why it is not linked).
//
// Each function here has the name and the signature of the one in <librdkafka/rdkafka.h>, so the
// compiler checks every signature against the header and the Swift code calls them unchanged.
// They are hidden: the program's own calls reach them, and librdkafka's calls to its own API
// never do, so the library runs as if linked.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "CRdKafka.h"

// Every function forwarded: X(return type, name, parameters, arguments) for those that return a
// value, V(name, parameters, arguments) for those that return nothing.
#define CRDKAFKA_FUNCTIONS(X, V)                                                                 \
  X(rd_kafka_error_t *, rd_kafka_abort_transaction, (rd_kafka_t *rk, int timeout_ms),           \
    (rk, timeout_ms))                                                                            \
  X(rd_kafka_resp_err_t, rd_kafka_assign,                                                        \
    (rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions), (rk, partitions))       \
  X(rd_kafka_error_t *, rd_kafka_begin_transaction, (rd_kafka_t *rk), (rk))                      \
  X(rd_kafka_resp_err_t, rd_kafka_commit,                                                        \
    (rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets, int async),                 \
    (rk, offsets, async))                                                                        \
  X(rd_kafka_resp_err_t, rd_kafka_commit_queue,                                                  \
    (rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets, rd_kafka_queue_t *rkqu,     \
     void (*cb)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *, void *),   \
     void *commit_opaque),                                                                       \
    (rk, offsets, rkqu, cb, commit_opaque))                                                      \
  X(rd_kafka_error_t *, rd_kafka_commit_transaction, (rd_kafka_t *rk, int timeout_ms),          \
    (rk, timeout_ms))                                                                            \
  X(rd_kafka_resp_err_t, rd_kafka_committed,                                                     \
    (rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions, int timeout_ms),               \
    (rk, partitions, timeout_ms))                                                                \
  V(rd_kafka_conf_destroy, (rd_kafka_conf_t *conf), (conf))                                      \
  X(rd_kafka_conf_t *, rd_kafka_conf_new, (void), ())                                            \
  X(rd_kafka_conf_res_t, rd_kafka_conf_set,                                                      \
    (rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,                   \
     size_t errstr_size),                                                                        \
    (conf, name, value, errstr, errstr_size))                                                    \
  V(rd_kafka_conf_set_dr_msg_cb,                                                                 \
    (rd_kafka_conf_t *conf,                                                                      \
     void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *)),                       \
    (conf, dr_msg_cb))                                                                           \
  V(rd_kafka_conf_set_error_cb,                                                                  \
    (rd_kafka_conf_t *conf, void (*error_cb)(rd_kafka_t *, int, const char *, void *)),          \
    (conf, error_cb))                                                                            \
  V(rd_kafka_conf_set_log_cb,                                                                    \
    (rd_kafka_conf_t *conf,                                                                      \
     void (*log_cb)(const rd_kafka_t *, int, const char *, const char *)),                       \
    (conf, log_cb))                                                                              \
  V(rd_kafka_conf_set_opaque, (rd_kafka_conf_t *conf, void *opaque), (conf, opaque))            \
  V(rd_kafka_conf_set_rebalance_cb,                                                              \
    (rd_kafka_conf_t *conf,                                                                      \
     void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,  \
                          void *)),                                                              \
    (conf, rebalance_cb))                                                                        \
  X(rd_kafka_error_t *, rd_kafka_consumer_close_queue, (rd_kafka_t *rk, rd_kafka_queue_t *rkqu), \
    (rk, rkqu))                                                                                  \
  X(int, rd_kafka_consumer_closed, (rd_kafka_t *rk), (rk))                                       \
  V(rd_kafka_consumer_group_metadata_destroy, (rd_kafka_consumer_group_metadata_t *metadata),   \
    (metadata))                                                                                  \
  X(rd_kafka_consumer_group_metadata_t *, rd_kafka_consumer_group_metadata_new,                  \
    (const char *group_id), (group_id))                                                          \
  X(rd_kafka_message_t *, rd_kafka_consumer_poll, (rd_kafka_t *rk, int timeout_ms),              \
    (rk, timeout_ms))                                                                            \
  V(rd_kafka_destroy, (rd_kafka_t *rk), (rk))                                                    \
  V(rd_kafka_destroy_flags, (rd_kafka_t *rk, int flags), (rk, flags))                            \
  X(const char *, rd_kafka_err2str, (rd_kafka_resp_err_t err), (err))                            \
  V(rd_kafka_error_destroy, (rd_kafka_error_t *error), (error))                                  \
  X(const char *, rd_kafka_error_string, (const rd_kafka_error_t *error), (error))              \
  V(rd_kafka_event_destroy, (rd_kafka_event_t *rkev), (rkev))                                    \
  X(rd_kafka_resp_err_t, rd_kafka_event_error, (rd_kafka_event_t *rkev), (rkev))                 \
  X(rd_kafka_event_type_t, rd_kafka_event_type, (const rd_kafka_event_t *rkev), (rkev))          \
  X(rd_kafka_resp_err_t, rd_kafka_flush, (rd_kafka_t *rk, int timeout_ms), (rk, timeout_ms))     \
  X(rd_kafka_error_t *, rd_kafka_init_transactions, (rd_kafka_t *rk, int timeout_ms),           \
    (rk, timeout_ms))                                                                            \
  X(rd_kafka_resp_err_t, rd_kafka_last_error, (void), ())                                        \
  V(rd_kafka_message_destroy, (rd_kafka_message_t *rkmessage), (rkmessage))                      \
  X(int64_t, rd_kafka_message_timestamp,                                                         \
    (const rd_kafka_message_t *rkmessage, rd_kafka_timestamp_type_t *tstype),                   \
    (rkmessage, tstype))                                                                         \
  X(rd_kafka_resp_err_t, rd_kafka_metadata,                                                      \
    (rd_kafka_t *rk, int all_topics, rd_kafka_topic_t *only_rkt,                                 \
     const struct rd_kafka_metadata **metadatap, int timeout_ms),                                \
    (rk, all_topics, only_rkt, metadatap, timeout_ms))                                           \
  V(rd_kafka_metadata_destroy, (const struct rd_kafka_metadata *metadata), (metadata))          \
  X(rd_kafka_t *, rd_kafka_new,                                                                  \
    (rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size),             \
    (type, conf, errstr, errstr_size))                                                           \
  X(rd_kafka_resp_err_t, rd_kafka_offsets_for_times,                                             \
    (rd_kafka_t *rk, rd_kafka_topic_partition_list_t *offsets, int timeout_ms),                  \
    (rk, offsets, timeout_ms))                                                                   \
  X(int, rd_kafka_poll, (rd_kafka_t *rk, int timeout_ms), (rk, timeout_ms))                      \
  X(rd_kafka_resp_err_t, rd_kafka_poll_set_consumer, (rd_kafka_t *rk), (rk))                     \
  X(int, rd_kafka_produce,                                                                       \
    (rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload, size_t len,          \
     const void *key, size_t keylen, void *msg_opaque),                                          \
    (rkt, partition, msgflags, payload, len, key, keylen, msg_opaque))                           \
  X(rd_kafka_resp_err_t, rd_kafka_purge, (rd_kafka_t *rk, int purge_flags), (rk, purge_flags))   \
  V(rd_kafka_queue_destroy, (rd_kafka_queue_t *rkqu), (rkqu))                                    \
  X(rd_kafka_queue_t *, rd_kafka_queue_get_consumer, (rd_kafka_t *rk), (rk))                     \
  V(rd_kafka_queue_io_event_enable,                                                              \
    (rd_kafka_queue_t *rkqu, int fd, const void *payload, size_t size),                          \
    (rkqu, fd, payload, size))                                                                   \
  X(rd_kafka_queue_t *, rd_kafka_queue_new, (rd_kafka_t *rk), (rk))                              \
  X(rd_kafka_event_t *, rd_kafka_queue_poll, (rd_kafka_queue_t *rkqu, int timeout_ms),           \
    (rkqu, timeout_ms))                                                                          \
  X(rd_kafka_error_t *, rd_kafka_send_offsets_to_transaction,                                    \
    (rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,                             \
     const rd_kafka_consumer_group_metadata_t *cgmetadata, int timeout_ms),                      \
    (rk, offsets, cgmetadata, timeout_ms))                                                       \
  X(rd_kafka_resp_err_t, rd_kafka_subscribe,                                                     \
    (rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *topics), (rk, topics))               \
  V(rd_kafka_topic_destroy, (rd_kafka_topic_t *rkt), (rkt))                                      \
  X(rd_kafka_topic_t *, rd_kafka_topic_new,                                                      \
    (rd_kafka_t *rk, const char *topic, rd_kafka_topic_conf_t *conf), (rk, topic, conf))         \
  X(rd_kafka_topic_partition_t *, rd_kafka_topic_partition_list_add,                             \
    (rd_kafka_topic_partition_list_t *rktparlist, const char *topic, int32_t partition),         \
    (rktparlist, topic, partition))                                                              \
  V(rd_kafka_topic_partition_list_destroy, (rd_kafka_topic_partition_list_t *rkparlist),        \
    (rkparlist))                                                                                 \
  X(rd_kafka_topic_partition_list_t *, rd_kafka_topic_partition_list_new, (int size), (size))

// The library's install name: the versioned one, as the unversioned librdkafka.so is only in
// the -dev package.
#ifdef __APPLE__
#define CRDKAFKA_LIBRARY "librdkafka.1.dylib"
#else
#define CRDKAFKA_LIBRARY "librdkafka.so.1"
#endif

// The library's functions, found by name once it is loaded.
#define CRDKAFKA_POINTER(type, name, parameters, arguments) __typeof__(&name) name;
#define CRDKAFKA_VOID_POINTER(name, parameters, arguments) __typeof__(&name) name;
static struct {
  CRDKAFKA_FUNCTIONS(CRDKAFKA_POINTER, CRDKAFKA_VOID_POINTER)
} library;

/// Why the library is not usable, or NULL once every function was found.
static const char *problem = "librdkafka was not loaded";
static char problemText[512];
static pthread_once_t loading = PTHREAD_ONCE_INIT;

static void load(void) {
  void *handle = dlopen(CRDKAFKA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    const char *reason = dlerror();
    snprintf(problemText, sizeof problemText,
             "Kafka needs librdkafka, which cannot be loaded (%s); install it (Debian: librdkafka1)",
             reason ? reason : CRDKAFKA_LIBRARY " not found");
    problem = problemText;
    return;
  }
#define CRDKAFKA_FIND(name)                                                                      \
  library.name = (__typeof__(&name))dlsym(handle, #name);                                        \
  if (library.name == NULL) {                                                                    \
    snprintf(problemText, sizeof problemText,                                                    \
             "Kafka needs a newer librdkafka: " CRDKAFKA_LIBRARY " has no %s",                \
             #name);                                                                             \
    problem = problemText;                                                                       \
    return;                                                                                      \
  }
#define CRDKAFKA_FIND_VALUE(type, name, parameters, arguments) CRDKAFKA_FIND(name)
#define CRDKAFKA_FIND_VOID(name, parameters, arguments) CRDKAFKA_FIND(name)
  CRDKAFKA_FUNCTIONS(CRDKAFKA_FIND_VALUE, CRDKAFKA_FIND_VOID)
  problem = NULL;
}

const char *crdkafka_load_problem(void) {
  pthread_once(&loading, load);
  return problem;
}

/// Loads the library before a forwarded call. The Swift code asks crdkafka_load_problem first
/// and reports a missing library as a runtime error, so this exit is a last resort that still
/// says why and keeps SPEC 1's status for a runtime failure.
static void require(void) {
  if (crdkafka_load_problem() != NULL) {
    fprintf(stderr, "error: %s\n", problem);
    _exit(1);
  }
}

#define CRDKAFKA_FORWARD(type, name, parameters, arguments)                                      \
  __attribute__((visibility("hidden"))) type name parameters {                                   \
    require();                                                                                   \
    return library.name arguments;                                                               \
  }
#define CRDKAFKA_FORWARD_VOID(name, parameters, arguments)                                       \
  __attribute__((visibility("hidden"))) void name parameters {                                   \
    require();                                                                                   \
    library.name arguments;                                                                      \
  }
CRDKAFKA_FUNCTIONS(CRDKAFKA_FORWARD, CRDKAFKA_FORWARD_VOID)
