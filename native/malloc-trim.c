/*
 * malloc_trim(3) for Node, as a Node-API addon: glibc keeps the pages of freed memory
 * inside its heap until malloc_trim returns them to the kernel, which Node itself never
 * calls. The broker process (local/broker-process) calls it when many connections have
 * closed, so a fleet that left does not keep its memory. Built by native/build.mjs on
 * `npm ci`; optional: without it the broker works and keeps what glibc keeps.
 */
#include <malloc.h>
#include <node_api.h>

/* trim(pad = 0): true when memory was returned to the kernel */
static napi_value Trim(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t pad = 0;
  napi_value out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1 && napi_get_value_int64(env, argv[0], &pad) != napi_ok) {
    napi_throw_type_error(env, NULL, "trim(pad): pad must be a number of bytes");
    return NULL;
  }
  if (pad < 0) pad = 0;
  napi_get_boolean(env, malloc_trim((size_t)pad) != 0, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
