// One row of the conversation list as one element: a link to the conversation, drawn from data.
// Text goes through {{ }} and bound attributes (escaped by Vue) only. The markup is Quasar's q-item, q-avatar
// and q-badge (same classes and look) without their component instances: cheaper to load and to update.
// A changed row arrives as set(data) (ui/live.py call), together with the page's other changes.
export default {
  props: { href: String, m: Object, t: String },
  data() {
    return { d: this.m };
  },
  computed: {
    w() {   // the row's words in the page's language, one JSON string every row shares
      return JSON.parse(this.t);
    },
  },
  watch: {
    m(value) {   // the server sent the element again: its data is the latest
      this.d = value;
    },
  },
  methods: {
    set(data) {
      this.d = data;
    },
  },
  template: `
    <a :href="href" :aria-current="d.selected ? 'true' : null" tabindex="0" role="listitem"
       :class="'q-item q-item-type row no-wrap q-item--clickable q-link cursor-pointer q-focusable q-hoverable '
               + 'parley-item px-4 py-3' + (d.selected ? ' bg-indigo-50' : '')">
      <div class="q-focus-helper" tabindex="-1"></div>
      <div class="q-item__section column q-item__section--side justify-center q-item__section--avatar">
        <div class="q-avatar shrink-0" style="font-size: 40px" aria-hidden="true">
          <div class="q-avatar__content row flex-center overflow-hidden bg-indigo-1 text-indigo-9"
               :style="d.initials ? 'font-size: 0.4em' : null">
            <template v-if="d.initials">{{ d.initials }}</template>
            <i v-else class="q-icon notranslate material-icons" aria-hidden="true">group</i>
          </div>
        </div>
      </div>
      <div class="q-item__section column q-item__section--main justify-center min-w-0">
        <div class="w-full min-w-0 flex items-baseline flex-nowrap gap-2">
          <span :class="'truncate flex-1 min-w-0 ' + (d.unread ? 'font-semibold' : 'font-medium')">{{ d.title }}</span>
          <span :class="'text-xs shrink-0 ' + (d.unread ? 'text-primary font-semibold' : 'text-slate-400')">
            {{ d.time }}
          </span>
        </div>
        <div class="w-full min-w-0 flex items-center flex-nowrap gap-2">
          <span :class="'truncate flex-1 min-w-0 text-sm ' + (d.unread ? 'text-slate-900' : 'text-slate-500')">
            {{ d.preview }}
          </span>
          <span v-if="d.ref" class="text-[11px] font-mono text-primary shrink-0" :title="d.item">#{{ d.ref }}</span>
          <span v-if="d.assignee" class="text-[11px] text-slate-500 shrink-0 truncate max-w-[7rem]"
                :title="w.assigned.replace('{name}', d.assignee)">{{ d.assignee }}</span>
          <span v-if="d.snoozed" class="text-[11px] font-medium text-slate-600 bg-slate-100 rounded px-1 shrink-0"
                :title="w.snoozed">{{ d.snoozed }}</span>
          <div v-if="d.waiting" class="q-badge flex inline items-center no-wrap q-badge--single-line q-badge--rounded
                                      bg-amber-8 shrink-0" role="status">{{ w.waiting }}</div>
          <div v-else-if="d.unread" :aria-label="w.unread.replace('{count}', d.unread)" role="status"
               class="q-badge flex inline items-center no-wrap q-badge--single-line q-badge--rounded bg-primary
                      shrink-0">{{ d.unread < 100 ? String(d.unread) : '99+' }}</div>
          <i v-if="d.customer && !d.waiting" class="q-icon notranslate material-icons text-grey-6 shrink-0"
             style="font-size: 18px" :title="w.customer"
             :aria-label="w.customer">support_agent</i>
        </div>
      </div>
    </a>
  `,
};
