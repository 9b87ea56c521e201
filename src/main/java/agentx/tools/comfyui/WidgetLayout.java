package agentx.tools.comfyui;

import agentx.tools.comfyui.NodeCatalog.InputSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which entry of a saved node's {@code widgets_values} belongs to which input, as ComfyUI's frontend
 * lays out a node's widgets: one widget per widget input (COMBO, INT, FLOAT, STRING, BOOLEAN, without
 * {@code forceInput}), required then optional, each in {@code input_order}. A widget keeps its place
 * when a link feeds its input (the link wins later). Some widgets are frontend-only and hold a value
 * that is no input: the {@code control_after_generate} combo after an INT that asks for it (or, when the
 * INT says nothing, is named seed or noise_seed), that combo plus {@code control_filter_list} after a
 * COMBO that asks for it, and the {@code upload} button after the required inputs of a node with a media
 * upload combo (LoadImage: {@code ["cat.png", "image"]}).
 */
final class WidgetLayout {
  private static final Set<String> SEED_NAMES = Set.of("seed", "noise_seed");
  private static final List<String> UPLOAD_FLAGS = List.of("image_upload", "video_upload", "animated_image_upload",
      "audio_upload");

  private WidgetLayout() {}

  /** One position in {@code widgets_values}: an input's widget, or a frontend-only widget (spec null). */
  record Slot(InputSpec spec) {
    static final Slot FRONTEND_ONLY = new Slot(null);

    boolean holdsInput() {
      return spec != null;
    }
  }

  /** The inputs that have a widget (and so a value in {@code widgets_values}), in widget order. */
  static List<InputSpec> widgetInputs(NodeCatalog catalog, String classType) {
    List<InputSpec> result = new ArrayList<>();
    for (InputSpec spec : catalog.inputs(classType)) {
      if (isWidget(spec)) {
        result.add(spec);
      }
    }
    return result;
  }

  static boolean isWidget(InputSpec spec) {
    return hasWidgetType(spec) && !forceInput(spec);
  }

  /** NodeCatalog's widget types, plus a V3 {@code COMBO} whose options list is not given. */
  private static boolean hasWidgetType(InputSpec spec) {
    return spec.isWidget() || isCombo(spec);
  }

  static boolean isCombo(InputSpec spec) {
    return spec.comboOptions() != null || "COMBO".equals(spec.type());
  }

  /** Frontend-only values stored right after this input's own value (0, 1 or 2). */
  static int controlSlots(InputSpec spec) {
    Object flag = spec.options().getValue("control_after_generate");
    if (isCombo(spec)) {
      return truthy(flag) ? 2 : 0;
    }
    if ("INT".equals(spec.type())) {
      return (flag == null ? SEED_NAMES.contains(spec.name()) : truthy(flag)) ? 1 : 0;
    }
    return 0;
  }

  /**
   * The standard layout (with the upload button's value) as today's frontend saves it. Variants are
   * only chosen when the saved array has exactly their length: without the upload value (frontends that
   * do not store it), or with a value for each forceInput input too (files from before frontend 1.16,
   * which the frontend's own {@code migrateWidgetsValues} still reads that way).
   */
  static List<Slot> layoutFor(NodeCatalog catalog, String classType, int savedLength) {
    List<Slot> standard = layout(catalog, classType, true, false);
    if (savedLength == standard.size()) {
      return standard;
    }
    List<Slot> withoutUpload = layout(catalog, classType, false, false);
    if (savedLength == withoutUpload.size()) {
      return withoutUpload;
    }
    List<Slot> legacyForceInput = layout(catalog, classType, true, true);
    return savedLength == legacyForceInput.size() ? legacyForceInput : standard;
  }

  static List<Slot> layout(NodeCatalog catalog, String classType, boolean withUpload, boolean withForceInput) {
    List<Slot> slots = new ArrayList<>();
    boolean uploadPlaced = !withUpload || !hasUploadButton(catalog, classType);
    for (InputSpec spec : catalog.inputs(classType)) {
      if (!uploadPlaced && !spec.required()) {
        slots.add(Slot.FRONTEND_ONLY);
        uploadPlaced = true;
      }
      boolean widget = isWidget(spec);
      if (!widget && !(withForceInput && hasWidgetType(spec))) {
        continue;
      }
      slots.add(widget ? new Slot(spec) : Slot.FRONTEND_ONLY);
      for (int i = 0; i < controlSlots(spec); i++) {
        slots.add(Slot.FRONTEND_ONLY);
      }
    }
    if (!uploadPlaced) {
      slots.add(Slot.FRONTEND_ONLY);
    }
    return slots;
  }

  /**
   * The value of each widget input of a saved node, by input name in widget order. {@code widgets_values}
   * may be an array (positional) or an object (by name, as VHS nodes save it); {@code widgets_values_named},
   * which newer frontends add, wins by name. A value that is missing or null is the widget's default, which
   * is what the frontend sends for a widget the file does not mention (e.g. an input added to the node later).
   */
  static Map<String, Object> values(JsonObject uiNode, String classType, NodeCatalog catalog) {
    Map<String, Object> byName = new LinkedHashMap<>();
    Object saved = uiNode.getValue("widgets_values");
    if (saved instanceof JsonArray positional) {
      List<Slot> slots = layoutFor(catalog, classType, positional.size());
      for (int i = 0; i < slots.size() && i < positional.size(); i++) {
        if (slots.get(i).holdsInput()) {
          byName.put(slots.get(i).spec().name(), positional.getValue(i));
        }
      }
    } else if (saved instanceof JsonObject named) {
      named.fieldNames().forEach(name -> byName.put(name, named.getValue(name)));
    }
    if (uiNode.getValue("widgets_values_named") instanceof JsonObject named) {
      named.fieldNames().forEach(name -> byName.put(name, named.getValue(name)));
    }
    Map<String, Object> result = new LinkedHashMap<>();
    for (InputSpec spec : widgetInputs(catalog, classType)) {
      Object value = byName.get(spec.name());
      result.put(spec.name(), value != null ? value : defaultValue(spec));
    }
    return result;
  }

  /** What a fresh widget holds: the declared default, else the first choice, 0, "" or false. */
  static Object defaultValue(InputSpec spec) {
    Object declared = spec.options().getValue("default");
    if (declared != null) {
      return declared;
    }
    List<Object> choices = spec.comboOptions();
    if (choices != null) {
      return choices.isEmpty() ? "" : choices.get(0);
    }
    return switch (String.valueOf(spec.type())) {
      case "INT" -> 0;
      case "FLOAT" -> 0.0;
      case "BOOLEAN" -> false;
      default -> "";
    };
  }

  /** The frontend adds an upload button to a node whose first media combo asks for one (required inputs only). */
  static boolean hasUploadButton(NodeCatalog catalog, String classType) {
    for (InputSpec spec : catalog.inputs(classType)) {
      if (spec.required() && isCombo(spec)
          && UPLOAD_FLAGS.stream().anyMatch(flag -> Boolean.TRUE.equals(spec.options().getValue(flag)))) {
        return true;
      }
    }
    return false;
  }

  static boolean forceInput(InputSpec spec) {
    return Boolean.TRUE.equals(spec.options().getValue("forceInput"));
  }

  private static boolean truthy(Object flag) {
    if (flag == null || Boolean.FALSE.equals(flag)) {
      return false;
    }
    return !(flag instanceof String s) || !s.isEmpty();
  }
}
