// The messages of a thread as one element: the server sends data, Vue draws it.
// New messages, older pages and delivery changes arrive as put(items, atStart, first) calls, so a message
// changes this element only, not NiceGUI's element tree (which the browser would draw again in full).
// Files: images as thumbnails that open large here (a lightbox), others as chips that download.
// Text goes through {{ }} (escaped by Vue); a message's body is HTML the server made with markdown-it, raw HTML
// off (services/richtext.py): the person's text is escaped there, and only its own tags and links come out.
// Avatar and icons are Quasar's own markup and classes, not components: a thread of 50 messages would
// otherwise set up a hundred component instances on every page load. The layout is a few classes of
// Parley's own (pm-*, ui/theme.py), not dozens of utility classes per message. Who read up to the last message
// is the list's tail, drawn after it: in a group that reads as it goes, a new message leaves it as it was.

// Who read up to a message: a few faces and a count, the names for screen readers and on hover.
const Seen = {
  props: { seen: Object },
  template: `
    <div class="pm-seen" role="img" :aria-label="seen.label" :title="seen.label">
      <div v-for="p in seen.faces" :key="p.name" class="q-avatar" style="font-size: 18px" aria-hidden="true">
        <div class="q-avatar__content row flex-center overflow-hidden bg-indigo-1 text-indigo-9"
             style="font-size: 0.45em">{{ p.initials }}</div>
      </div>
      <span v-if="seen.more" class="pm-time" aria-hidden="true">+{{ seen.more }}</span>
    </div>
  `,
};

const Message = {
  props: { m: Object, t: Object },
  emits: ["open", "menu", "action"],
  components: { "parley-seen": Seen },
  template: `
    <div class="parley-message" :data-mid="m.id">
      <div v-if="m.day" class="pm-day" role="separator" :aria-label="m.day">
        <div class="pm-day-line"></div><span class="pm-day-text">{{ m.day }}</span><div class="pm-day-line"></div>
      </div>
      <div v-if="m.line" class="pm-line" role="note">
        <i class="q-icon notranslate material-icons" style="font-size: 16px" aria-hidden="true">{{ m.icon }}</i>
        <span>{{ m.line }}</span><span class="pm-time" :title="m.full">{{ m.time }}</span>
      </div>
      <div v-else :class="['pm-row', m.own ? 'pm-own' : '', m.grouped ? 'pm-grouped' : '']">
        <template v-if="m.avatar">
          <div v-if="m.grouped" :class="m.avatar.spacer + ' shrink-0'"></div>
          <div v-else class="q-avatar shrink-0" :style="{fontSize: m.avatar.size}" aria-hidden="true">
            <div :class="'q-avatar__content row flex-center overflow-hidden bg-' + m.avatar.color + ' text-'
                         + m.avatar.text" style="font-size: 0.4em">{{ m.avatar.initials }}</div>
          </div>
        </template>
        <div :class="['pm-column', m.width]">
          <div v-if="!m.grouped" class="pm-head">
            <span v-if="m.name" class="pm-name">{{ m.name }}</span>
            <span v-if="m.note" class="pm-note">
              <i class="q-icon notranslate material-icons" style="font-size: 14px" aria-hidden="true">lock</i><span>{{ t.note }}</span>
            </span>
            <span class="pm-time" :title="m.full">{{ m.time }}</span>
            <span v-if="m.email" class="pm-email" :title="t.emailTitle">
              <i class="q-icon notranslate material-icons" style="font-size: 14px"
                 aria-hidden="true">mail_outline</i><span>{{ t.byEmail }}</span>
            </span>
          </div>
          <div v-if="m.deleted" class="pm-bubble pm-deleted">
            <i class="q-icon notranslate material-icons" style="font-size: 16px" aria-hidden="true">block</i>
            <span>{{ t.deleted }}</span>
          </div>
          <div v-else-if="m.body && m.mine" class="pm-bubble-row">
            <div v-if="m.html" :class="'pm-bubble pm-rich ' + m.bubble" v-html="m.html"></div>
            <div v-else :class="'pm-bubble pm-plain ' + m.bubble">{{ m.body }}</div>
            <button type="button" class="pm-more" :aria-label="t.menuLabel"
                    :title="t.menuTitle" @click="$emit('menu', m, $event.currentTarget)">
              <i class="q-icon notranslate material-icons" aria-hidden="true">more_horiz</i>
            </button>
          </div>
          <div v-else-if="m.html" :class="'pm-bubble pm-rich ' + m.bubble" v-html="m.html"></div>
          <div v-else-if="m.body" :class="'pm-bubble pm-plain ' + m.bubble">{{ m.body }}</div>
          <button v-else-if="m.mine" type="button" class="pm-more pm-more-files" :aria-label="t.deleteLabel"
                  :title="t.delete" @click="$emit('menu', m, $event.currentTarget)">
            <i class="q-icon notranslate material-icons" aria-hidden="true">more_horiz</i>
          </button>
          <button v-if="m.edited && m.versions" type="button" class="pm-edited pm-edited-button"
                  @click="$emit('action', {id: m.id, action: 'versions'})" :title="t.editedTitle">{{ t.edited }}</button>
          <span v-else-if="m.edited" class="pm-edited">{{ t.edited }}</span>
          <div v-if="m.images" class="pm-images">
            <button v-for="file in m.images" :key="file.id" type="button" class="pm-image"
                    :aria-label="t.open.replace('{name}', file.name)" :title="file.name" @click="$emit('open', file)">
              <img :src="file.thumb" :alt="file.name" loading="lazy" :width="file.w" :height="file.h"
                   :style="{aspectRatio: file.w + ' / ' + file.h}">
            </button>
          </div>
          <div v-if="m.files" class="pm-files">
            <template v-for="(file, i) in m.files" :key="i">
              <a v-if="file.url" class="pm-file" :href="file.url" :download="file.name" :title="t.downloadFile.replace('{name}', file.name)">
                <i class="q-icon notranslate material-icons" aria-hidden="true">{{ file.icon }}</i>
                <span class="pm-file-name">{{ file.name }}</span><span class="pm-file-size">{{ file.size }}</span>
                <i class="q-icon notranslate material-icons pm-file-get" aria-hidden="true">download</i>
              </a>
              <span v-else class="pm-file pm-listed" :title="t.listed">
                <i class="q-icon notranslate material-icons" aria-hidden="true">attach_file</i>
                <span class="pm-file-name">{{ file.name }}</span><span class="pm-file-size">{{ file.size }}</span>
              </span>
            </template>
          </div>
          <div v-if="m.delivery" :class="['pm-delivery', m.delivery.failed ? 'pm-failed' : '']">
            {{ m.delivery.text }}
          </div>
        </div>
      </div>
      <parley-seen v-if="m.seen" :seen="m.seen"></parley-seen>
    </div>
  `,
};


export default {
  components: { "parley-message": Message, "parley-seen": Seen },
  emits: ["action"],
  props: { messages: Array, found: Number, tail: Object, t: Object },
  data() {
    return { list: this.messages.map((m) => Object.freeze({ ...m })), last: this.tail, large: null, menu: null };
  },
  mounted() {
    if (this.found) requestAnimationFrame(() => this.reveal(this.found));   // opened from a search result
  },
  watch: {
    messages(value) {   // the server sent the whole element again (an update): its list is the latest
      this.list = value.map((m) => Object.freeze({ ...m }));
    },
    tail(value) {
      this.last = value;
    },
  },
  methods: {
    // Scroll to a message (a search result) and mark it for a few seconds.
    reveal(id) {
      this.$nextTick(() => {
        const element = this.$el.querySelector(`[data-mid="${Number(id)}"]`);
        if (!element) return;
        element.scrollIntoView({ block: "center" });
        element.classList.add("pm-found");
        setTimeout(() => element.classList.remove("pm-found"), 4000);
      });
    },
    // An image opened large over the page; Escape, a click or the close button put it away.
    open(file) {
      this.large = file;
      this.$nextTick(() => this.$refs.close && this.$refs.close.focus());
    },
    close() {
      this.large = null;
    },
    // The one small menu of an own message (Edit, Delete), beside the button that opened it.
    openMenu(m, button) {
      const box = button.getBoundingClientRect();
      const top = Math.min(box.bottom + 4, window.innerHeight - 96);
      this.menu = { id: m.id, text: !!m.body, top: top, left: Math.max(8, Math.min(box.right - 160, window.innerWidth - 168)),
                    button: button };
      this.$nextTick(() => { const first = document.querySelector(".pm-menu button"); if (first) first.focus(); });
    },
    pick(action) {
      const menu = this.menu;
      this.menu = null;
      if (menu) {
        this.$emit("action", { id: menu.id, action: action });
        if (menu.button && menu.button.isConnected) menu.button.focus();
      }
    },
    closeMenu() {
      const button = this.menu && this.menu.button;
      this.menu = null;
      if (button && button.isConnected) button.focus();
    },
    // Who read up to the last message, drawn after it (null: nobody to show there).
    setTail(tail) {
      this.last = tail && Object.freeze(tail);
    },
    // Put each item in place of the message with its id, or as new at the end (for an older page: at the
    // start, in the order given); then, if `first` is given, drop the messages before it. Safe to run twice.
    put(items, atStart, first) {
      const list = this.list;
      const added = [];
      for (const item of items) {
        const at = list.findIndex((m) => m.id === item.id);
        if (at >= 0) list[at] = Object.freeze(item);
        else added.push(Object.freeze(item));
      }
      if (atStart) list.unshift(...added);
      else list.push(...added);
      if (first != null) {
        const at = list.findIndex((m) => m.id === first);
        if (at > 0) list.splice(0, at);
      }
    },
  },
  template: `
    <div class="parley-messages" style="width: 100%">
      <parley-message v-for="m in list" :key="m.id" :m="m" :t="t" @open="open" @menu="openMenu"
                      @action="(a) => $emit('action', a)"></parley-message>
      <teleport to="body"><div v-if="menu" class="pm-menu-backdrop" @click="closeMenu" @keydown.esc="closeMenu">
        <div class="pm-menu" role="menu" :style="{top: menu.top + 'px', left: menu.left + 'px'}" @click.stop
             @keydown.down.prevent="$event.target.nextElementSibling && $event.target.nextElementSibling.focus()"
             @keydown.up.prevent="$event.target.previousElementSibling && $event.target.previousElementSibling.focus()">
          <button v-if="menu.text" type="button" role="menuitem" @click="pick('edit')">
            <i class="q-icon notranslate material-icons" aria-hidden="true">edit</i>{{ t.edit }}</button>
          <button type="button" role="menuitem" class="pm-menu-danger" @click="pick('delete')">
            <i class="q-icon notranslate material-icons" aria-hidden="true">delete_outline</i>{{ t.delete }}</button>
        </div>
      </div></teleport>
      <parley-seen v-if="last" :seen="last"></parley-seen>
      <teleport to="body"><div v-if="large" class="pm-lightbox" role="dialog" aria-modal="true" :aria-label="large.name"
           @click.self="close" @keydown.esc.stop="close" tabindex="-1">
        <img :src="large.large" :alt="large.name" @click="close">
        <div class="pm-lightbox-bar">
          <span class="pm-file-name">{{ large.name }}</span>
          <a :href="large.url" :download="large.name" class="pm-lightbox-button" :title="t.downloadTitle">
            <i class="q-icon notranslate material-icons" aria-hidden="true">download</i><span>{{ t.download }}</span></a>
          <button ref="close" type="button" class="pm-lightbox-button" @click="close" :aria-label="t.close">
            <i class="q-icon notranslate material-icons" aria-hidden="true">close</i></button>
        </div>
      </div></teleport>
    </div>
  `,
};
