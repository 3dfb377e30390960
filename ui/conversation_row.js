// One row of the conversation list as one element: a link to the conversation, drawn from data.
// Text goes through {{ }} and bound attributes (escaped by Vue) only.
export default {
  props: { href: String, m: Object },
  template: `
    <q-item clickable tag="a" :href="href" :aria-current="m.selected ? 'true' : null"
            :class="'parley-item px-4 py-3' + (m.selected ? ' bg-indigo-50' : '')">
      <q-item-section avatar>
        <q-avatar v-if="m.initials" color="indigo-1" text-color="indigo-9" size="40px" font-size="0.4em"
                  class="shrink-0" aria-hidden="true">{{ m.initials }}</q-avatar>
        <q-avatar v-else icon="group" color="indigo-1" text-color="indigo-9" size="40px" class="shrink-0"
                  aria-hidden="true"></q-avatar>
      </q-item-section>
      <q-item-section class="min-w-0">
        <div class="w-full min-w-0 flex items-baseline flex-nowrap gap-2">
          <span :class="'truncate flex-1 min-w-0 ' + (m.unread ? 'font-semibold' : 'font-medium')">{{ m.title }}</span>
          <span :class="'text-xs shrink-0 ' + (m.unread ? 'text-primary font-semibold' : 'text-slate-400')">
            {{ m.time }}
          </span>
        </div>
        <div class="w-full min-w-0 flex items-center flex-nowrap gap-2">
          <span :class="'truncate flex-1 min-w-0 text-sm ' + (m.unread ? 'text-slate-900' : 'text-slate-500')">
            {{ m.preview }}
          </span>
          <span v-if="m.ref" class="text-[11px] font-mono text-primary shrink-0" :title="m.item">#{{ m.ref }}</span>
          <q-badge v-if="m.waiting" color="amber-8" rounded class="shrink-0" label="Waiting"></q-badge>
          <q-badge v-else-if="m.unread" color="primary" rounded class="shrink-0" :aria-label="m.unread + ' unread'"
                   :label="m.unread < 100 ? String(m.unread) : '99+'"></q-badge>
          <q-icon v-if="m.customer && !m.waiting" name="support_agent" size="xs" color="grey-6" class="shrink-0"
                  title="Conversation with a customer" aria-label="Conversation with a customer"></q-icon>
        </div>
      </q-item-section>
    </q-item>
  `,
};
