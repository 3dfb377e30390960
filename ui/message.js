// One message of a thread as one element: the server sends data, Vue draws it.
// Text goes through {{ }} (escaped by Vue) only; nothing here renders HTML from data.
// Avatar and icons are Quasar's own markup and classes, not components: a thread of 50 messages would
// otherwise set up a hundred component instances on every page load.
export default {
  props: { m: Object },
  template: `
    <div class="w-full flex flex-col">
      <div v-if="m.day" class="w-full flex items-center gap-3 my-3" role="separator" :aria-label="m.day">
        <div class="flex-1 border-t border-slate-200"></div>
        <span class="text-xs font-medium text-slate-500">{{ m.day }}</span>
        <div class="flex-1 border-t border-slate-200"></div>
      </div>
      <div :class="['w-full flex flex-nowrap items-end gap-2', m.own ? 'flex-row-reverse' : '',
                    m.grouped ? 'mt-0.5' : 'mt-3']">
        <template v-if="m.avatar">
          <div v-if="m.grouped" :class="m.avatar.spacer + ' shrink-0'"></div>
          <div v-else class="q-avatar shrink-0" :style="{fontSize: m.avatar.size}" aria-hidden="true">
            <div :class="'q-avatar__content row flex-center overflow-hidden bg-' + m.avatar.color + ' text-'
                         + m.avatar.text" style="font-size: 0.4em">{{ m.avatar.initials }}</div>
          </div>
        </template>
        <div :class="['flex flex-col flex-nowrap min-w-0', m.width, m.own ? 'items-end' : 'items-start']">
          <div v-if="!m.grouped" :class="['flex gap-2 items-baseline px-1', m.own ? 'flex-row-reverse' : '']">
            <span v-if="m.name" class="text-xs font-semibold text-slate-700">{{ m.name }}</span>
            <span v-if="m.note" class="flex gap-1 items-center text-xs font-semibold text-amber-800">
              <i class="q-icon notranslate material-icons" style="font-size: 14px" aria-hidden="true">lock</i><span>Internal note</span>
            </span>
            <span class="text-xs text-slate-400" :title="m.full">{{ m.time }}</span>
            <span v-if="m.email" class="flex gap-1 items-center text-xs text-slate-500"
                  title="Received by email: quoted history and signature removed">
              <i class="q-icon notranslate material-icons" style="font-size: 14px"
                 aria-hidden="true">mail_outline</i><span>by email</span>
            </span>
          </div>
          <div :class="'parley-bubble text-[15px] leading-snug px-3 py-2 rounded-2xl ' + m.bubble">{{ m.body }}</div>
          <div v-if="m.files && m.files.length" class="flex gap-1 mt-1 px-1 flex-wrap">
            <q-chip v-for="(file, i) in m.files" :key="i" dense outline color="grey-8" icon="attach_file"
                    class="text-xs max-w-full" :label="file"
                    title="Listed from the email: Parley does not keep attached files."></q-chip>
          </div>
          <div v-if="m.delivery" :class="['text-xs px-1 mt-0.5',
                                          m.delivery.failed ? 'text-negative font-medium' : 'text-slate-500']">
            {{ m.delivery.text }}
          </div>
        </div>
      </div>
    </div>
  `,
};
