package agentx.api;

import static agentx.api.Requests.intParam;
import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalObject;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.events.SessionConfig;
import agentx.models.ModelCatalog;
import agentx.protocol.CreateSession;
import agentx.protocol.PageQuery;
import agentx.protocol.Session;
import agentx.protocol.StoreClient;
import agentx.protocol.UpdateSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Sessions and their message history: {@code /api/agentx/sessions[/{id}[/messages]]}. */
final class SessionRoutes {
  static final int MAX_TITLE = 500;
  static final int MAX_USER_ID = 200;

  private final StoreClient store;
  private final ModelCatalog catalog;
  private final String defaultModel;
  private final int defaultMaxTokens;

  /**
   * @param defaultModel the model a session without {@code config.model} runs on ({@code AGENTX_MODEL}), and
   *     {@code defaultMaxTokens} its {@code max_tokens}: a config is checked against the model it will run on
   */
  SessionRoutes(StoreClient store, ModelCatalog catalog, String defaultModel, int defaultMaxTokens) {
    this.store = store;
    this.catalog = catalog;
    this.defaultModel = defaultModel;
    this.defaultMaxTokens = defaultMaxTokens;
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
    return store.createSession(new CreateSession(optionalString(body, "user_id", MAX_USER_ID), optionalString(body, "title", MAX_TITLE),
        validConfig(config == null ? new JsonObject() : config))).map(Session::toJson);
  }

  private Future<JsonObject> list(RoutingContext ctx) {
    return store.listSessions(new PageQuery(ctx.queryParams().get("user_id"), intParam(ctx, "limit", 20, 1, 100),
        intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE))).map(p -> p.toJson());
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return store.session(sessionId(ctx)).map(Session::toJson);
  }

  private Future<JsonObject> update(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "title", "config");
    boolean setTitle = body.containsKey("title");
    String title = setTitle ? optionalString(body, "title", MAX_TITLE) : null;
    JsonObject config = null;
    if (body.containsKey("config")) {
      JsonObject given = optionalObject(body, "config");
      config = validConfig(given == null ? new JsonObject() : given);
    }
    return store.updateSession(new UpdateSession(id, setTitle, title, config)).map(Session::toJson);
  }

  /** Types and keys, then what the session's model would refuse: 400 VALIDATION_FAILED naming the field and the model. */
  private JsonObject validConfig(JsonObject config) {
    return SessionConfig.validate(config, catalog, defaultModel, defaultMaxTokens);
  }

  private void delete(RoutingContext ctx) {
    Routes.run(ctx, () -> store.deleteSession(sessionId(ctx)).onSuccess(r -> ctx.response().setStatusCode(204).end()));
  }

  private Future<JsonObject> messages(RoutingContext ctx) {
    return store.listMessages(new PageQuery(sessionId(ctx), intParam(ctx, "limit", 100, 1, 1000),
        intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE))).map(p -> p.toJson());
  }
}
