// Files on their way into a message: chosen with the button, dropped on the thread or the composer, or pasted
// (a screenshot). Each uploads on its own (POST /files, ui/files.py) with a progress bar and a button that cancels
// it; the server hears the ids of the finished ones ("change") and sends them with the message.
// A file over the limit is refused here before any of it is sent (the server checks again).
let counter = 0;

function chatToken() {
  try { return sessionStorage.getItem("parley_chat") || localStorage.getItem("parley_chat"); } catch (e) { return null; }
}

function sizeText(size, t) {
  const number = (n) => new Intl.NumberFormat(t.lang, { maximumFractionDigits: 1 }).format(n);
  if (size < 1024) return fill(size === 1 ? t.byte : t.bytes, { count: number(size) });
  const units = ["KB", "MB", "GB"];
  let amount = size / 1024, unit = 0;
  while (amount >= 1024 && unit < units.length - 1) { amount /= 1024; unit += 1; }
  return `${number(amount)} ${units[unit]}`;
}

function pastedName(file, prefix) {
  if (file.name && file.name !== "image.png") return file.name;
  const stamp = new Date().toISOString().slice(0, 19).replace("T", " ").replace(/:/g, ".");
  return `${prefix} ${stamp}.${(file.type.split("/")[1] || "png").replace("jpeg", "jpg")}`;
}

// The server's words ({name}-style placeholders) with the values filled in.
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
}

export default {
  props: { url: String, limit: Number, limitText: String, chat: Boolean, targets: Array, pasteTarget: String,
           t: Object },
  data() {
    return { items: [], over: false };
  },
  mounted() {
    this.listeners = [];
    for (const id of this.targets || []) this.listen(id, "dragover", this.dragOver);
    for (const id of this.targets || []) this.listen(id, "dragleave", () => { this.over = false; });
    for (const id of this.targets || []) this.listen(id, "drop", this.dropped);
    if (this.pasteTarget) this.listen(this.pasteTarget, "paste", this.pasted);
  },
  unmounted() {
    for (const [element, name, handler] of this.listeners) element.removeEventListener(name, handler);
    for (const item of this.items) this.forget(item);
  },
  methods: {
    fill,
    listen(id, name, handler) {
      const element = document.getElementById(id);
      if (!element) return;
      element.addEventListener(name, handler);
      this.listeners.push([element, name, handler]);
    },
    dragOver(event) {
      if (!event.dataTransfer || ![...event.dataTransfer.types].includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      this.over = true;
    },
    dropped(event) {
      this.over = false;
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      this.add(event.dataTransfer.files);
    },
    pasted(event) {
      const data = event.clipboardData;
      if (!data || !data.files.length || data.types.includes("text/plain")) return;   // text pastes as text
      event.preventDefault();
      this.add([...data.files].map((f) => new File([f], pastedName(f, this.t.pasted), { type: f.type })));
    },
    pick() {
      this.$refs.input.click();
    },
    chosen(event) {
      this.add(event.target.files);
      event.target.value = "";
    },
    add(files) {
      for (const file of files) {
        const name = file.name || "file";
        let error = null;
        if (file.size > this.limit) {
          error = fill(this.t.tooLarge, {name: name, size: sizeText(file.size, this.t), limit: this.limitText});
        } else if (file.size === 0) error = fill(this.t.empty, {name: name});
        this.items.push({
          key: ++counter, name: name, sizeText: sizeText(file.size, this.t), progress: 0, id: null, error: error,
          thumb: !error && file.type.startsWith("image/") ? URL.createObjectURL(file) : null, xhr: null,
        });
        if (!error) this.send(this.items[this.items.length - 1], file);   // (the reactive copy: progress shows)
      }
      this.changed();
    },
    send(item, file) {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open("POST", this.url);
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(item.name));
      if (this.chat) xhr.setRequestHeader("X-Parley-Chat", chatToken() || "-");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) item.progress = e.loaded / e.total; };
      xhr.onload = () => {
        item.xhr = null;
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) {}
        if (xhr.status === 200 && answer.id) {
          item.id = answer.id;
          item.progress = 1;
        } else {
          item.error = answer.error || fill(this.t.failed, {name: item.name, status: xhr.status});
        }
        this.changed();
      };
      xhr.onerror = () => {
        item.xhr = null;
        item.error = fill(this.t.dropped, {name: item.name});
        this.changed();
      };
      xhr.send(file);
    },
    remove(item) {
      if (item.xhr) item.xhr.abort();
      else if (item.id) {
        const headers = this.chat ? { "X-Parley-Chat": chatToken() || "-" } : {};
        fetch(`${this.url}/${item.id}`, { method: "DELETE", headers: headers }).catch(() => {});
      }
      this.forget(item);
      this.items = this.items.filter((i) => i.key !== item.key);
      this.changed();
    },
    forget(item) {
      if (item.thumb) URL.revokeObjectURL(item.thumb);
    },
    // The message went with these files: start afresh.
    clear() {
      for (const item of this.items) this.forget(item);
      this.items = [];
      this.changed();
    },
    changed() {
      this.$emit("change", {
        ready: this.items.filter((i) => i.id).map((i) => i.id),
        busy: this.items.filter((i) => i.xhr).length,
        failed: this.items.filter((i) => i.error).length,
      });
    },
  },
  template: `
    <div class="parley-uploads" :class="{'pu-over': over}">
      <input ref="input" type="file" multiple hidden @change="chosen" aria-hidden="true" tabindex="-1">
      <div v-if="over" class="pu-drop" aria-hidden="true">{{ t.drop }}</div>
      <ul v-if="items.length" class="pu-list" :aria-label="t.list">
        <li v-for="item in items" :key="item.key" :class="['pu-item', item.error ? 'pu-error' : '']"
            :data-name="item.name">
          <img v-if="item.thumb && !item.error" :src="item.thumb" alt="" class="pu-thumb">
          <i v-else class="q-icon notranslate material-icons pu-icon" aria-hidden="true">{{ item.error ? 'error_outline' : 'description' }}</i>
          <div class="pu-text">
            <div class="pu-name" :title="item.name">{{ item.name }}</div>
            <div v-if="item.error" class="pu-message" role="alert">{{ item.error }}</div>
            <div v-else class="pu-size">{{ item.xhr ? fill(t.progress, {percent: Math.round(item.progress * 100) + '%', size: item.sizeText}) : item.sizeText }}</div>
            <div v-if="item.xhr" class="pu-bar" role="progressbar" :aria-valuenow="Math.round(item.progress * 100)"
                 aria-valuemin="0" aria-valuemax="100" :aria-label="fill(t.uploading, {name: item.name})">
              <div :style="{width: (item.progress * 100) + '%'}"></div>
            </div>
          </div>
          <button type="button" class="pu-remove" @click="remove(item)"
                  :aria-label="fill(item.xhr ? t.cancelOf : t.removeOf, {name: item.name})"
                  :title="item.xhr ? t.cancel : t.remove">
            <i class="q-icon notranslate material-icons" aria-hidden="true">close</i>
          </button>
        </li>
      </ul>
    </div>
  `,
};
