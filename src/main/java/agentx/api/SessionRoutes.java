package agentx.api;

import static agentx.api.Requests.intParam;
import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalObject;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.protocol.Addresses;
import agentx.protocol.Bus;
import agentx.events.SessionConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Sessions and their message history: {@code /api/agentx/sessions[/{id}[/messages]]}. */
final class SessionRoutes {
  static final int MAX_TITLE = 500;
  static final int MAX_USER_ID = 200;

  private final Vertx vertx;

  SessionRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router api) {
    api.post("/sessions").handler(json(201, this::create));
    api.get("/sessions").handler(json(200, this::list));
    api.get("/sessions/:id").handler(json(200, this::get));
    api.patch("/sessions/:id").handler(json(200, this::update));
    api.delete("/sessions/:id").handler(this::delete);
    api.get("/sessions/:id/messages").handler(json(200, this::messages));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "user_id", "title", "config");
    JsonObject config = optionalObject(body, "config");
    JsonObject request = new JsonObject()
        .put("user_id", optionalString(body, "user_id", MAX_USER_ID))
        .put("title", optionalString(body, "title", MAX_TITLE))
        .put("config", SessionConfig.validate(config == null ? new JsonObject() : config));
    return Bus.request(vertx, Addresses.STORE_SESSION_CREATE, request);
  }

  private Future<JsonObject> list(RoutingContext ctx) {
    JsonObject request = new JsonObject()
        .put("user_id", ctx.queryParams().get("user_id"))
        .put("limit", intParam(ctx, "limit", 20, 1, 100))
        .put("offset", intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE));
    return Bus.request(vertx, Addresses.STORE_SESSION_LIST, request);
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", sessionId(ctx)));
  }

  private Future<JsonObject> update(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "title", "config");
    JsonObject changes = new JsonObject();
    if (body.containsKey("title")) {
      changes.put("title", optionalString(body, "title", MAX_TITLE));
    }
    if (body.containsKey("config")) {
      JsonObject config = optionalObject(body, "config");
      changes.put("config", SessionConfig.validate(config == null ? new JsonObject() : config));
    }
    return Bus.request(vertx, Addresses.STORE_SESSION_UPDATE, new JsonObject().put("session_id", id).put("changes", changes));
  }

  private void delete(RoutingContext ctx) {
    Routes.run(ctx, () -> Bus.request(vertx, Addresses.STORE_SESSION_DELETE, new JsonObject().put("session_id", sessionId(ctx)))
        .onSuccess(r -> ctx.response().setStatusCode(204).end()));
  }

  private Future<JsonObject> messages(RoutingContext ctx) {
    JsonObject request = new JsonObject()
        .put("session_id", sessionId(ctx))
        .put("limit", intParam(ctx, "limit", 100, 1, 1000))
        .put("offset", intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE));
    return Bus.request(vertx, Addresses.STORE_MESSAGE_LIST, request);
  }
}
